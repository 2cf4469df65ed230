/* tstamp.c - strict parsing of unix-second and ISO-like UTC timestamps */
#include <stdbool.h>

#include "base/tstamp.h"

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int64_t
tstamp_from_civil(int64_t y, int mon, int day, int h, int min, int sec)
{
	return days_from_civil(y, mon, day) * 86400 + h * 3600 + min * 60 + sec;
}

/* Reads exactly n digits at s[*i]; returns the value or -1. */
static int
digits(const char *s, size_t len, size_t *i, int n)
{
	int v = 0;

	if (*i + (size_t)n > len)
		return -1;
	for (int k = 0; k < n; k++) {
		char c = s[*i + (size_t)k];

		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*i += (size_t)n;
	return v;
}

static int
month_days(int y, int m)
{
	static const int md[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : md[m - 1];
}

static int
parse_seconds(const char *s, size_t len, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	int64_t v = 0;

	if (len > 0 && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == len || len - i > 15)   /* 15 digits: far beyond any real date, no overflow */
		return -1;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = neg ? -v : v;
	return 0;
}

int
tstamp_parse(const char *s, size_t len, int64_t *out)
{
	int y, mon, day, h = 0, min = 0, sec = 0;
	size_t i = 0;

	if (len >= 5 && s[4] != '-')
		return parse_seconds(s, len, out);
	if (len < 10)
		return parse_seconds(s, len, out);
	if ((y = digits(s, len, &i, 4)) < 0 || s[i++] != '-' ||
	    (mon = digits(s, len, &i, 2)) < 0 || s[i++] != '-' ||
	    (day = digits(s, len, &i, 2)) < 0)
		return -1;
	if (mon < 1 || mon > 12 || day < 1 || day > month_days(y, mon))
		return -1;
	if (i < len && (s[i] == ' ' || s[i] == 'T')) {
		i++;
		if ((h = digits(s, len, &i, 2)) < 0 || i >= len || s[i++] != ':' ||
		    (min = digits(s, len, &i, 2)) < 0)
			return -1;
		if (i < len && s[i] == ':') {
			i++;
			if ((sec = digits(s, len, &i, 2)) < 0)
				return -1;
			if (i < len && s[i] == '.') {
				size_t start = ++i;

				while (i < len && s[i] >= '0' && s[i] <= '9')
					i++;
				if (i == start)
					return -1;
			}
		}
		if (h > 23 || min > 59 || sec > 60)
			return -1;
	}
	if (i < len && s[i] == 'Z')
		i++;
	if (i != len)
		return -1;
	*out = tstamp_from_civil(y, mon, day, h, min, sec);
	return 0;
}
