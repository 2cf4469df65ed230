/* country.c - the ISO 3166-1 table (every country with its main language) and its aliases */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "data/country.h"

/*
 * Every ISO 3166-1 alpha-2 code (249, sorted by code) with the English short name of Debian's
 * iso-codes and the country's most widely used official language; the locale is lang-CODE.
 */
static const struct country table[] = {
	{ "AD", "Andorra", "ca" },
	{ "AE", "United Arab Emirates", "ar" },
	{ "AF", "Afghanistan", "fa" },
	{ "AG", "Antigua and Barbuda", "en" },
	{ "AI", "Anguilla", "en" },
	{ "AL", "Albania", "sq" },
	{ "AM", "Armenia", "hy" },
	{ "AO", "Angola", "pt" },
	{ "AQ", "Antarctica", "en" },
	{ "AR", "Argentina", "es" },
	{ "AS", "American Samoa", "en" },
	{ "AT", "Austria", "de" },
	{ "AU", "Australia", "en" },
	{ "AW", "Aruba", "nl" },
	{ "AX", "Åland Islands", "sv" },
	{ "AZ", "Azerbaijan", "az" },
	{ "BA", "Bosnia and Herzegovina", "bs" },
	{ "BB", "Barbados", "en" },
	{ "BD", "Bangladesh", "bn" },
	{ "BE", "Belgium", "nl" },
	{ "BF", "Burkina Faso", "fr" },
	{ "BG", "Bulgaria", "bg" },
	{ "BH", "Bahrain", "ar" },
	{ "BI", "Burundi", "rn" },
	{ "BJ", "Benin", "fr" },
	{ "BL", "Saint Barthélemy", "fr" },
	{ "BM", "Bermuda", "en" },
	{ "BN", "Brunei Darussalam", "ms" },
	{ "BO", "Bolivia, Plurinational State of", "es" },
	{ "BQ", "Bonaire, Sint Eustatius and Saba", "nl" },
	{ "BR", "Brazil", "pt" },
	{ "BS", "Bahamas", "en" },
	{ "BT", "Bhutan", "dz" },
	{ "BV", "Bouvet Island", "nb" },
	{ "BW", "Botswana", "en" },
	{ "BY", "Belarus", "be" },
	{ "BZ", "Belize", "en" },
	{ "CA", "Canada", "en" },
	{ "CC", "Cocos (Keeling) Islands", "en" },
	{ "CD", "Congo, The Democratic Republic of the", "fr" },
	{ "CF", "Central African Republic", "fr" },
	{ "CG", "Congo", "fr" },
	{ "CH", "Switzerland", "de" },
	{ "CI", "Côte d'Ivoire", "fr" },
	{ "CK", "Cook Islands", "en" },
	{ "CL", "Chile", "es" },
	{ "CM", "Cameroon", "fr" },
	{ "CN", "China", "zh" },
	{ "CO", "Colombia", "es" },
	{ "CR", "Costa Rica", "es" },
	{ "CU", "Cuba", "es" },
	{ "CV", "Cabo Verde", "pt" },
	{ "CW", "Curaçao", "nl" },
	{ "CX", "Christmas Island", "en" },
	{ "CY", "Cyprus", "el" },
	{ "CZ", "Czechia", "cs" },
	{ "DE", "Germany", "de" },
	{ "DJ", "Djibouti", "fr" },
	{ "DK", "Denmark", "da" },
	{ "DM", "Dominica", "en" },
	{ "DO", "Dominican Republic", "es" },
	{ "DZ", "Algeria", "ar" },
	{ "EC", "Ecuador", "es" },
	{ "EE", "Estonia", "et" },
	{ "EG", "Egypt", "ar" },
	{ "EH", "Western Sahara", "ar" },
	{ "ER", "Eritrea", "ti" },
	{ "ES", "Spain", "es" },
	{ "ET", "Ethiopia", "am" },
	{ "FI", "Finland", "fi" },
	{ "FJ", "Fiji", "en" },
	{ "FK", "Falkland Islands (Malvinas)", "en" },
	{ "FM", "Micronesia, Federated States of", "en" },
	{ "FO", "Faroe Islands", "fo" },
	{ "FR", "France", "fr" },
	{ "GA", "Gabon", "fr" },
	{ "GB", "United Kingdom", "en" },
	{ "GD", "Grenada", "en" },
	{ "GE", "Georgia", "ka" },
	{ "GF", "French Guiana", "fr" },
	{ "GG", "Guernsey", "en" },
	{ "GH", "Ghana", "en" },
	{ "GI", "Gibraltar", "en" },
	{ "GL", "Greenland", "kl" },
	{ "GM", "Gambia", "en" },
	{ "GN", "Guinea", "fr" },
	{ "GP", "Guadeloupe", "fr" },
	{ "GQ", "Equatorial Guinea", "es" },
	{ "GR", "Greece", "el" },
	{ "GS", "South Georgia and the South Sandwich Islands", "en" },
	{ "GT", "Guatemala", "es" },
	{ "GU", "Guam", "en" },
	{ "GW", "Guinea-Bissau", "pt" },
	{ "GY", "Guyana", "en" },
	{ "HK", "Hong Kong", "zh" },
	{ "HM", "Heard Island and McDonald Islands", "en" },
	{ "HN", "Honduras", "es" },
	{ "HR", "Croatia", "hr" },
	{ "HT", "Haiti", "ht" },
	{ "HU", "Hungary", "hu" },
	{ "ID", "Indonesia", "id" },
	{ "IE", "Ireland", "en" },
	{ "IL", "Israel", "he" },
	{ "IM", "Isle of Man", "en" },
	{ "IN", "India", "hi" },
	{ "IO", "British Indian Ocean Territory", "en" },
	{ "IQ", "Iraq", "ar" },
	{ "IR", "Iran, Islamic Republic of", "fa" },
	{ "IS", "Iceland", "is" },
	{ "IT", "Italy", "it" },
	{ "JE", "Jersey", "en" },
	{ "JM", "Jamaica", "en" },
	{ "JO", "Jordan", "ar" },
	{ "JP", "Japan", "ja" },
	{ "KE", "Kenya", "sw" },
	{ "KG", "Kyrgyzstan", "ky" },
	{ "KH", "Cambodia", "km" },
	{ "KI", "Kiribati", "en" },
	{ "KM", "Comoros", "ar" },
	{ "KN", "Saint Kitts and Nevis", "en" },
	{ "KP", "Korea, Democratic People's Republic of", "ko" },
	{ "KR", "Korea, Republic of", "ko" },
	{ "KW", "Kuwait", "ar" },
	{ "KY", "Cayman Islands", "en" },
	{ "KZ", "Kazakhstan", "ru" },
	{ "LA", "Lao People's Democratic Republic", "lo" },
	{ "LB", "Lebanon", "ar" },
	{ "LC", "Saint Lucia", "en" },
	{ "LI", "Liechtenstein", "de" },
	{ "LK", "Sri Lanka", "si" },
	{ "LR", "Liberia", "en" },
	{ "LS", "Lesotho", "st" },
	{ "LT", "Lithuania", "lt" },
	{ "LU", "Luxembourg", "fr" },
	{ "LV", "Latvia", "lv" },
	{ "LY", "Libya", "ar" },
	{ "MA", "Morocco", "ar" },
	{ "MC", "Monaco", "fr" },
	{ "MD", "Moldova, Republic of", "ro" },
	{ "ME", "Montenegro", "sr" },
	{ "MF", "Saint Martin (French part)", "fr" },
	{ "MG", "Madagascar", "mg" },
	{ "MH", "Marshall Islands", "en" },
	{ "MK", "North Macedonia", "mk" },
	{ "ML", "Mali", "fr" },
	{ "MM", "Myanmar", "my" },
	{ "MN", "Mongolia", "mn" },
	{ "MO", "Macao", "zh" },
	{ "MP", "Northern Mariana Islands", "en" },
	{ "MQ", "Martinique", "fr" },
	{ "MR", "Mauritania", "ar" },
	{ "MS", "Montserrat", "en" },
	{ "MT", "Malta", "mt" },
	{ "MU", "Mauritius", "en" },
	{ "MV", "Maldives", "dv" },
	{ "MW", "Malawi", "en" },
	{ "MX", "Mexico", "es" },
	{ "MY", "Malaysia", "ms" },
	{ "MZ", "Mozambique", "pt" },
	{ "NA", "Namibia", "en" },
	{ "NC", "New Caledonia", "fr" },
	{ "NE", "Niger", "fr" },
	{ "NF", "Norfolk Island", "en" },
	{ "NG", "Nigeria", "en" },
	{ "NI", "Nicaragua", "es" },
	{ "NL", "Netherlands", "nl" },
	{ "NO", "Norway", "nb" },
	{ "NP", "Nepal", "ne" },
	{ "NR", "Nauru", "en" },
	{ "NU", "Niue", "en" },
	{ "NZ", "New Zealand", "en" },
	{ "OM", "Oman", "ar" },
	{ "PA", "Panama", "es" },
	{ "PE", "Peru", "es" },
	{ "PF", "French Polynesia", "fr" },
	{ "PG", "Papua New Guinea", "en" },
	{ "PH", "Philippines", "fil" },
	{ "PK", "Pakistan", "ur" },
	{ "PL", "Poland", "pl" },
	{ "PM", "Saint Pierre and Miquelon", "fr" },
	{ "PN", "Pitcairn", "en" },
	{ "PR", "Puerto Rico", "es" },
	{ "PS", "Palestine, State of", "ar" },
	{ "PT", "Portugal", "pt" },
	{ "PW", "Palau", "en" },
	{ "PY", "Paraguay", "es" },
	{ "QA", "Qatar", "ar" },
	{ "RE", "Réunion", "fr" },
	{ "RO", "Romania", "ro" },
	{ "RS", "Serbia", "sr" },
	{ "RU", "Russian Federation", "ru" },
	{ "RW", "Rwanda", "rw" },
	{ "SA", "Saudi Arabia", "ar" },
	{ "SB", "Solomon Islands", "en" },
	{ "SC", "Seychelles", "en" },
	{ "SD", "Sudan", "ar" },
	{ "SE", "Sweden", "sv" },
	{ "SG", "Singapore", "en" },
	{ "SH", "Saint Helena, Ascension and Tristan da Cunha", "en" },
	{ "SI", "Slovenia", "sl" },
	{ "SJ", "Svalbard and Jan Mayen", "nb" },
	{ "SK", "Slovakia", "sk" },
	{ "SL", "Sierra Leone", "en" },
	{ "SM", "San Marino", "it" },
	{ "SN", "Senegal", "fr" },
	{ "SO", "Somalia", "so" },
	{ "SR", "Suriname", "nl" },
	{ "SS", "South Sudan", "en" },
	{ "ST", "Sao Tome and Principe", "pt" },
	{ "SV", "El Salvador", "es" },
	{ "SX", "Sint Maarten (Dutch part)", "en" },
	{ "SY", "Syrian Arab Republic", "ar" },
	{ "SZ", "Eswatini", "en" },
	{ "TC", "Turks and Caicos Islands", "en" },
	{ "TD", "Chad", "fr" },
	{ "TF", "French Southern Territories", "fr" },
	{ "TG", "Togo", "fr" },
	{ "TH", "Thailand", "th" },
	{ "TJ", "Tajikistan", "tg" },
	{ "TK", "Tokelau", "en" },
	{ "TL", "Timor-Leste", "pt" },
	{ "TM", "Turkmenistan", "tk" },
	{ "TN", "Tunisia", "ar" },
	{ "TO", "Tonga", "to" },
	{ "TR", "Türkiye", "tr" },
	{ "TT", "Trinidad and Tobago", "en" },
	{ "TV", "Tuvalu", "en" },
	{ "TW", "Taiwan, Province of China", "zh" },
	{ "TZ", "Tanzania, United Republic of", "sw" },
	{ "UA", "Ukraine", "uk" },
	{ "UG", "Uganda", "en" },
	{ "UM", "United States Minor Outlying Islands", "en" },
	{ "US", "United States", "en" },
	{ "UY", "Uruguay", "es" },
	{ "UZ", "Uzbekistan", "uz" },
	{ "VA", "Holy See (Vatican City State)", "it" },
	{ "VC", "Saint Vincent and the Grenadines", "en" },
	{ "VE", "Venezuela, Bolivarian Republic of", "es" },
	{ "VG", "Virgin Islands, British", "en" },
	{ "VI", "Virgin Islands, U.S.", "en" },
	{ "VN", "Viet Nam", "vi" },
	{ "VU", "Vanuatu", "bi" },
	{ "WF", "Wallis and Futuna", "fr" },
	{ "WS", "Samoa", "sm" },
	{ "YE", "Yemen", "ar" },
	{ "YT", "Mayotte", "fr" },
	{ "ZA", "South Africa", "en" },
	{ "ZM", "Zambia", "en" },
	{ "ZW", "Zimbabwe", "en" },
};

/* Other names exports use for a country: the UCI Online Retail spellings, short forms. */
static const struct alias {
	const char *name, *code;        /* code NULL: the Channel Islands, below */
} aliases[] = {
	{ "EIRE", "IE" }, { "RSA", "ZA" }, { "USA", "US" },
	{ "United States of America", "US" }, { "UK", "GB" },
	{ "Great Britain", "GB" }, { "England", "GB" }, { "Scotland", "GB" },
	{ "Wales", "GB" }, { "Northern Ireland", "GB" },
	{ "Czech Republic", "CZ" }, { "Bolivia", "BO" }, { "Iran", "IR" },
	{ "South Korea", "KR" }, { "Korea", "KR" }, { "North Korea", "KP" },
	{ "Laos", "LA" }, { "Moldova", "MD" }, { "Syria", "SY" },
	{ "Taiwan", "TW" }, { "Tanzania", "TZ" }, { "Venezuela", "VE" },
	{ "Vietnam", "VN" }, { "Russia", "RU" }, { "Turkey", "TR" },
	{ "Holland", "NL" }, { "The Netherlands", "NL" }, { "Macedonia", "MK" },
	{ "Ivory Coast", "CI" }, { "Swaziland", "SZ" }, { "Burma", "MM" },
	{ "Cape Verde", "CV" }, { "Vatican", "VA" }, { "Palestine", "PS" },
	{ "Hong Kong SAR", "HK" }, { "Macau", "MO" }, { "Brunei", "BN" },
	{ "Channel Islands", NULL },
};

/* Jersey and Guernsey (JE, GG) under one name: English, with the British region tag. */
static const struct country channel = { NULL, "Channel Islands", "en" };

size_t
country_count(void)
{
	return sizeof table / sizeof *table;
}

const struct country *
country_at(size_t k)
{
	return k < country_count() ? &table[k] : NULL;
}

static const struct country *
by_code(const char *s)
{
	size_t lo = 0, hi = country_count();

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcasecmp(s, table[mid].code);

		if (c == 0)
			return &table[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct country *
country_find(const char *s, size_t len)
{
	char key[64];

	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len == 0 || len >= sizeof key || memchr(s, '\0', len) != NULL)
		return NULL;
	memcpy(key, s, len);
	key[len] = '\0';
	if (len == 2)
		return by_code(key);
	for (size_t k = 0; k < country_count(); k++)
		if (strcasecmp(key, table[k].name) == 0)
			return &table[k];
	for (size_t k = 0; k < sizeof aliases / sizeof *aliases; k++)
		if (strcasecmp(key, aliases[k].name) == 0)
			return aliases[k].code != NULL ? by_code(aliases[k].code) : &channel;
	return NULL;
}

char *
country_locale(const struct country *c, char *out, size_t size)
{
	snprintf(out, size, "%s-%s", c->lang, c->code != NULL ? c->code : "GB");
	return out;
}
