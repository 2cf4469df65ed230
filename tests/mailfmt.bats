#!/usr/bin/env bats
# tests/mailfmt.bats - mailfmt: llmcall replies -> RFC 5322 messages, checked by Python's email package

load helpers

setup() {
	setup_scratch
	export SOURCE_DATE_EPOCH=1764000000
	unset RECMAIL_UNSUB_KEY
	export RECMAIL_SHARE="$RECMAIL_ROOT/share"
	FROM='Example Shop <shop@example.com>'
}

# reply ID EMAIL NAME SUBJECT BODY [TITLE] [URL]: one ok:true llmcall line (FORMATS 2.6);
# meta.locale is $LOCALE, en-GB when unset
reply() {
	jq -nc --arg id "$1" --arg email "$2" --arg name "$3" --arg subj "$4" --arg body "$5" \
	    --arg title "${6:-Blue teapot}" --arg url "${7:-https://shop.example/p/sku9}" \
	    --arg locale "${LOCALE:-en-GB}" '
	{id:$id, ok:true,
	 content:({subject:$subj, preheader:"Picked for you", body_text:$body}|tojson),
	 meta:{user:$id, email:$email, name:$name, first_name:($name|split(" ")[0]), locale:$locale,
	       campaign:"2026-11-w48", variant:"llm", brand:"Example Shop",
	       items:[{item:"sku9", title:$title, price:12.5, currency:"GBP", url:$url,
	               image:"https://shop.example/i/sku9.jpg",
	               reason:{type:"similar", because:"sku3", because_title:"Green teacup",
	                       similarity:0.8, action:"rated"}},
	              {item:"sku4", title:"Oak tray", price:30, currency:"GBP",
	               url:"https://shop.example/p/sku4?ref=x#top", reason:{type:"popular"}}]}}'
}

# parse FILE: every message through email.policy.strict, one JSON line each
parse() {
	"$PY3" "$RECMAIL_ROOT/tests/mailparse.py" --mbox "$1"
}

@test "mailfmt: --help and --version go to stdout and exit 0" {
	run mailfmt --no-unsubscribe --help
	[ "$status" -eq 0 ]
	[[ "$output" == usage:* ]]
	[[ "$output" == *"--unsub-key-file"* ]]
	run mailfmt --no-unsubscribe --version
	[ "$status" -eq 0 ]
	[[ "$output" == "mailfmt (recmail) "* ]]
}

@test "mailfmt: refuses to run without --from or with a bad option value" {
	run mailfmt --no-unsubscribe < /dev/null
	[ "$status" -eq 64 ]
	run mailfmt --no-unsubscribe --from 'not an address' < /dev/null
	[ "$status" -eq 64 ]
	run mailfmt --no-unsubscribe --from "$FROM" --date yesterday < /dev/null
	[ "$status" -eq 64 ]
	run mailfmt --no-unsubscribe --from "$FROM" --campaign 'a b' < /dev/null
	[ "$status" -eq 64 ]
}

@test "mailfmt: finds its template under ../share/recmail beside the program, or fails clearly" {
	reply u1 ann@example.com 'Ann' 'Hi' 'Body' > in.ndjson
	mkdir -p inst/bin inst/share/recmail/mail
	cp "$(command -v mailfmt)" inst/bin/
	unset RECMAIL_SHARE
	run_both inst/bin/mailfmt --no-unsubscribe --from "$FROM" --campaign c1 < in.ndjson || true
	[ "$status" -eq 66 ]
	[[ "$stderr" == *"no default template"* ]]
	printf '<p>{{subject}} for {{name}}</p>\n' > inst/share/recmail/mail/email.html
	inst/bin/mailfmt --no-unsubscribe --from "$FROM" --campaign c1 < in.ndjson > out.mbox
	"$PY3" "$RECMAIL_ROOT/tests/mailparse.py" --mbox out.mbox | jq -e '.parts[1].content == "<p>Hi for Ann</p>\n"'
}

@test "mailfmt: ASCII reply parses under email.policy.strict with both parts decoding to the input" {
	body=$'Hi Ann,\n\nWe picked the Blue teapot for you.\n\nBest,\nExample Shop'
	reply u1 ann@example.com 'Ann Lee' 'Three picks for you' "$body" > in.ndjson
	run_both mailfmt --no-unsubscribe --from "$FROM" --campaign c1 < in.ndjson || true
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	printf '%s\n' "$output" > out.mbox
	parse out.mbox > p.ndjson
	[ "$(wc -l < p.ndjson)" -eq 1 ]
	[ "$(jq -r '.headers.from[0]' p.ndjson)" = "Example Shop <shop@example.com>" ]
	[ "$(jq -r '.headers.to[0]' p.ndjson)" = "Ann Lee <ann@example.com>" ]
	[ "$(jq -r '.headers.subject[0]' p.ndjson)" = "Three picks for you" ]
	[ "$(jq -r '.headers.date[0]' p.ndjson)" = "Mon, 24 Nov 2025 16:00:00 +0000" ]
	[ "$(jq -r '.headers["mime-version"][0]' p.ndjson)" = "1.0" ]
	[ "$(jq -r '.content_type' p.ndjson)" = "multipart/alternative" ]
	[ "$(jq -r '[.parts[].type]|join(",")' p.ndjson)" = "text/plain,text/html" ]
	[ "$(jq -r '[.parts[].charset]|join(",")' p.ndjson)" = "utf-8,utf-8" ]
	[ "$(jq -r '[.parts[].cte]|join(",")' p.ndjson)" = "quoted-printable,quoted-printable" ]
	[ "$(jq -r '.defects|length' p.ndjson)" -eq 0 ]
	# the text part starts with the model's text, exactly
	jq -j --arg b "$body" '.parts[0].content|startswith($b + "\n")' p.ndjson | grep -qx true
}

@test "mailfmt: non-ASCII names and subjects become encoded-words that decode to the input" {
	subj='Zoë, drei Ideen für Ihre Küche — 茶壶 und mehr, mit einem sehr langen Betreff, der gefaltet werden muss'
	body=$'Hallo Zoë,\n\nGrüße aus der Küche: der Blaue Teekessel (茶壶).'
	reply c1 zoe@example.com 'Zoë Müller-Lüdenscheidt' "$subj" "$body" 'Teekessel «Blau»' > in.ndjson
	mailfmt --no-unsubscribe --from 'Bäckerei Brötchen <shop@example.com>' --campaign c1 < in.ndjson > out.mbox
	parse out.mbox > p.ndjson
	[ "$(jq -r '.headers.subject[0]' p.ndjson)" = "$subj" ]
	[ "$(jq -r '.headers.to[0]' p.ndjson)" = "Zoë Müller-Lüdenscheidt <zoe@example.com>" ]
	[ "$(jq -r '.headers.from[0]' p.ndjson)" = "Bäckerei Brötchen <shop@example.com>" ]
	jq -j --arg b "$body" '.parts[0].content|startswith($b + "\n")' p.ndjson | grep -qx true
	jq -j '.parts[1].content|contains("Teekessel «Blau»")' p.ndjson | grep -qx true
	# raw headers are ASCII, encoded, and folded within 78 columns
	! LC_ALL=C grep -n $'[\x80-\xff]' <(sed '/^$/q' out.mbox)
	[ "$(sed '/^$/q' out.mbox | awk '{ if (length($0) > m) m = length($0) } END { print m }')" -le 78 ]
	grep -q '^Subject: =?UTF-8?B?' out.mbox
}

@test "mailfmt: CR LF in names and subjects never create a header" {
	reply u1 ann@example.com $'Ann\r\nBcc: evil@x.example' $'Hello\r\nBcc: evil@x.example\nX-Evil: 1' 'Body' > in.ndjson
	mailfmt --no-unsubscribe --from "$FROM" --campaign c1 < in.ndjson > out.mbox
	parse out.mbox > p.ndjson
	[ "$(jq -r '.headers|has("bcc")' p.ndjson)" = false ]
	[ "$(jq -r '.headers|has("x-evil")' p.ndjson)" = false ]
	! grep -qi '^bcc:' out.mbox
	[ "$(jq -r '.headers.subject[0]' p.ndjson)" = "Hello Bcc: evil@x.example X-Evil: 1" ]
	[ "$(jq -r '.headers.to[0]' p.ndjson)" = '"Ann Bcc: evil@x.example" <ann@example.com>' ]
	[ "$(jq -r '.headers.to|length' p.ndjson)" -eq 1 ]
}

@test "mailfmt: HTML in titles and text is escaped and javascript: links are dropped" {
	reply u1 ann@example.com 'Ann <script>' 'Hi' 'Hi <img src=x onerror=alert(1)> & bye' \
	    '<script>alert("t")</script>' 'javascript:alert(1)' > in.ndjson
	mailfmt --no-unsubscribe --from "$FROM" --campaign c1 < in.ndjson > out.mbox
	parse out.mbox > p.ndjson
	jq -r '.parts[1].content' p.ndjson > body.html
	! grep -q '<script' body.html
	! grep -q '<img src=x' body.html
	! grep -qi 'javascript:' body.html
	grep -q '&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;' body.html
	grep -q 'Hi &lt;img src=x onerror=alert(1)&gt; &amp; bye' body.html
}

@test "mailfmt: links come from meta with UTM parameters and the click redirect, prices from meta" {
	reply u1 ann@example.com 'Ann' 'Hi' 'Buy the teapot now for 1 pound!' > in.ndjson
	RECMAIL_UNSUB_KEY=0123456789abcdef-secret mailfmt --no-unsubscribe --from "$FROM" --campaign c1 \
	    --click-base https://t.example/c --utm-source=news < in.ndjson > out.mbox
	parse out.mbox > p.ndjson
	jq -r '.parts[0].content' p.ndjson > body.txt
	jq -r '.parts[1].content' p.ndjson > body.html
	grep -q '£12.50' body.txt
	grep -q '£30.00' body.html
	target='https://shop.example/p/sku9?utm_source=news&utm_medium=email&utm_campaign=c1&utm_content=llm'
	# the target travels sealed in the token (trackd.bats opens it): nothing of it shows
	[ "$(grep -cE '^  https://t\.example/c\?t=[A-Za-z0-9_-]{60,}$' body.txt)" -eq 2 ]
	grep -qE 'href="https://t\.example/c\?t=[A-Za-z0-9_-]{60,}"' body.html
	! grep -qE 'shop\.example/p|utm_|u1' body.txt body.html
	! grep -q '0123456789abcdef-secret' out.mbox
}

@test "mailfmt: without a click base the links are the catalog's with UTM parameters" {
	reply u1 ann@example.com 'Ann' 'Hi' 'Buy' > in.ndjson
	mailfmt --no-unsubscribe --from "$FROM" --campaign c1 --utm-source=news < in.ndjson > out.mbox
	parse out.mbox | jq -r '.parts[0].content' > body.txt
	grep -qxF '  https://shop.example/p/sku9?utm_source=news&utm_medium=email&utm_campaign=c1&utm_content=llm' body.txt
	# the fragment stays last, after the parameters
	grep -qxF '  https://shop.example/p/sku4?ref=x&utm_source=news&utm_medium=email&utm_campaign=c1&utm_content=llm#top' body.txt
}

@test "mailfmt: a click base or an open pixel without a link key is refused" {
	reply u1 ann@example.com 'Ann' 'Hi' 'Body' > in.ndjson
	run_both mailfmt --no-unsubscribe --from "$FROM" --campaign c1 --click-base https://t.example/c < in.ndjson || true
	[ "$status" -eq 64 ]
	[ -z "$output" ]
	[[ "$stderr" == "mailfmt: --click-base needs a link key of at least 16 bytes (RECMAIL_UNSUB_KEY or --unsub-key-file)"* ]]
	run_both mailfmt --no-unsubscribe --from "$FROM" --campaign c1 --open-pixel https://t.example/o < in.ndjson || true
	[ "$status" -eq 64 ]
}

@test "mailfmt: List-Unsubscribe carries mailto and an opaque token, the same on every run" {
	reply u1 Ann@Example.com 'Ann' 'Hi' 'Body' > in.ndjson
	printf 'k3y-for-tests-0123456789\nolder-key-0123456789\n' > key
	mailfmt --from "$FROM" --campaign c1 --unsub-mailto unsub@example.com \
	    --unsub-url https://shop.example/u --unsub-key-file key < in.ndjson > out.mbox
	parse out.mbox > p.ndjson
	lu=$(jq -r '.headers["list-unsubscribe"][0]' p.ndjson)
	[[ "$lu" =~ ^'<mailto:unsub@example.com?subject=unsubscribe>, <https://shop.example/u?t='[A-Za-z0-9_-]{60,}'>'$ ]]
	[ "$(jq -r '.headers["list-unsubscribe-post"][0]' p.ndjson)" = "List-Unsubscribe=One-Click" ]
	# the address and the customer id are in To only
	[ "$(grep -ci 'ann@example' out.mbox)" -eq 1 ]
	! grep -q 'u1' out.mbox
	! grep -qi 'X-Recmail-User' out.mbox
	[[ "$(jq -r '.headers["x-recmail-ref"][0]' p.ndjson)" =~ ^[A-Za-z0-9_-]{60,}$ ]]
	! grep -q 'k3y-for-tests\|older-key' out.mbox
	mailfmt --from "$FROM" --campaign c1 --unsub-mailto unsub@example.com \
	    --unsub-url https://shop.example/u --unsub-key-file key < in.ndjson > again.mbox
	cmp out.mbox again.mbox
	# another first key seals other tokens
	printf 'another-key-0123456789\n' > key2
	mailfmt --from "$FROM" --campaign c1 --unsub-url https://shop.example/u --unsub-key-file key2 \
	    < in.ndjson > other.mbox
	[ "$(parse other.mbox | jq -r '.headers["list-unsubscribe"][0]')" != "$lu" ]
}

@test "mailfmt: an https unsubscribe base without a key is refused" {
	reply u1 ann@example.com 'Ann' 'Hi' 'Body' > in.ndjson
	run_both mailfmt --from "$FROM" --campaign c1 --unsub-url https://shop.example/u < in.ndjson || true
	[ "$status" -eq 64 ]
	[ -z "$output" ]
	[[ "$stderr" == *"--unsub-url needs a link key"* ]]
}

@test "mailfmt: Message-ID is stable across runs and unique per (campaign, user)" {
	{ reply u1 a@example.com A 'Hi' 'x'; reply u2 b@example.com B 'Hi' 'x'; } > in.ndjson
	mailfmt --no-unsubscribe --from "$FROM" --campaign c1 < in.ndjson > a.mbox
	mailfmt --no-unsubscribe --from "$FROM" --campaign c1 < in.ndjson > b.mbox
	mailfmt --no-unsubscribe --from "$FROM" --campaign c2 < in.ndjson > c.mbox
	cmp a.mbox b.mbox
	ids=$(parse a.mbox | jq -r '.headers["message-id"][0]')
	[ "$(sort -u <<<"$ids" | wc -l)" -eq 2 ]
	ids2=$(parse c.mbox | jq -r '.headers["message-id"][0]')
	[ -z "$(comm -12 <(sort <<<"$ids") <(sort <<<"$ids2"))" ]
}

@test "mailfmt: with a link key the Message-ID is an HMAC under it, not a digest anyone can compute" {
	{ reply u1 a@example.com A 'Hi' 'x'; reply u2 b@example.com B 'Hi' 'x'; } > in.ndjson
	printf 'first-key-0123456789abcdef\nolder-key-0123456789abcdef\n' > keys
	printf 'other-key-0123456789abcdef\n' > keys2
	mailfmt --no-unsubscribe --from "$FROM" --campaign c1 --unsub-key-file keys < in.ndjson > a.mbox
	mailfmt --no-unsubscribe --from "$FROM" --campaign c1 --unsub-key-file keys < in.ndjson > b.mbox
	mailfmt --no-unsubscribe --from "$FROM" --campaign c1 --unsub-key-file keys2 < in.ndjson > c.mbox
	# a re-run with the same key gives the same Message-IDs (mailsend's exactly-once keys on them)
	cmp a.mbox b.mbox
	ids=$(parse a.mbox | jq -r '.headers["message-id"][0]')
	ids2=$(parse c.mbox | jq -r '.headers["message-id"][0]')
	[ "$(sort -u <<<"$ids" | wc -l)" -eq 2 ]
	[ -z "$(comm -12 <(sort <<<"$ids") <(sort <<<"$ids2"))" ]
	# the documented form: HMAC-SHA256(HMAC-SHA256(first key, "recmail msgid v1"),
	# "recmail-msgid\n" campaign "\n" user), 16 bytes in hex, and not the unkeyed SHA-256
	want=$("$PY3" -c '
import hmac, hashlib, sys
k = hmac.new(b"first-key-0123456789abcdef", b"recmail msgid v1", hashlib.sha256).digest()
for u in ("u1", "u2"):
    print("<%s.c1@example.com>" % hmac.new(k, b"recmail-msgid\nc1\n" + u.encode(), hashlib.sha256).hexdigest()[:32])
')
	[ "$ids" = "$want" ]
	plain=$(printf 'recmail-msgid\nc1\nu1' | sha256sum | cut -c1-32)
	[[ "$ids" != *"$plain"* ]]
}

@test "mailfmt: the hidden preheader uses no invisible-font trick that spam filters score" {
	reply u1 a@example.com A 'Hi' 'x' > in.ndjson
	mailfmt --no-unsubscribe --from "$FROM" --campaign c1 < in.ndjson > a.mbox
	html=$(parse a.mbox | jq -r '.parts[] | select(.type == "text/html") | .content')
	[[ "$html" == *'>Picked for you</div>'* ]]
	pre=$(grep -o '<div style="[^"]*">Picked for you</div>' <<<"$html")
	[[ "$pre" == *"display:none"* ]]
	# SpamAssassin's __FONT_INVIS (color:transparent, a 0 or 1 px font) and HTML_FONT_LOW_CONTRAST
	[[ "$pre" != *"transparent"* ]]
	[[ "$pre" != *"color:"* ]]
	run ! grep -Eq 'font-size: *[01](\.[0-9]+)?px' <<<"$pre"
}

@test "mailfmt: ok:false replies are rejected with a report, or written by the offline writer" {
	{ reply u1 a@example.com A 'Hi' 'x'
	  jq -nc '{id:"u2",ok:false,error:{status:429,type:"insufficient_quota",message:"no",attempts:1},
	           meta:{user:"u2",email:"b@example.com",name:"Bo",first_name:"Bo",campaign:"c1",
	                 variant:"llm",brand:"Example Shop",locale:"en-GB",
	                 items:[{item:"sku9",title:"Blue teapot",price:12.5,currency:"GBP",
	                         url:"https://shop.example/p/sku9"}]}}'
	  echo 'not json'
	  reply u3 'bad address' C 'Hi' 'x'; } > in.ndjson
	run_both mailfmt --no-unsubscribe --from "$FROM" --campaign c1 --rejects rej.ndjson < in.ndjson || true
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"1 messages, 3 rejected"* ]]
	[ "$(jq -s 'length' rej.ndjson)" -eq 3 ]
	[ "$(jq -r 'select(.line==2)|.id + " " + .reason + " " + (.error.status|tostring)' rej.ndjson)" = "u2 reply not ok 429" ]
	[ "$(jq -r 'select(.line==3)|.reason' rej.ndjson)" = "invalid JSON: '[' or '{' expected near 'not'" ]
	[ "$(jq -r 'select(.line==4)|.reason' rej.ndjson)" = "meta.email is not a valid address" ]
	run_both mailfmt --no-unsubscribe --from "$FROM" --campaign c1 --fallback=template --rejects rej2.ndjson < in.ndjson || true
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"2 messages, 2 rejected, 0 suppressed, 1 from the template fallback"* ]]
	printf '%s\n' "$output" > out.mbox
	[ "$(parse out.mbox | jq -r '.headers.to[0]' | tail -1)" = "Bo <b@example.com>" ]
}

# localised LOCALE: a message for LOCALE with both unsubscribe kinds, parsed into html.txt and plain.txt
localised() {
	LOCALE=$1 reply u1 ann@example.com 'Ann' 'Hi' 'Body' > in.ndjson
	RECMAIL_UNSUB_KEY=0123456789abcdef-secret mailfmt --from "$FROM" --campaign c1 \
	    --unsub-mailto unsub@example.com --unsub-url https://shop.example/u < in.ndjson > out.mbox
	parse out.mbox > p.ndjson
	jq -r '.parts[0].content' p.ndjson > plain.txt
	jq -r '.parts[1].content' p.ndjson > html.txt
}

@test "mailfmt: a French or German reply gets its reasons, button and footer in that language" {
	nb=$'\xc2\xa0'
	localised fr-FR
	grep -qF "Parce que vous avez apprécié «${nb}Green teacup${nb}»" html.txt
	grep -qF '>Un succès auprès de nos clients<' html.txt
	[ "$(grep -c '>Voir le produit</a>' html.txt)" -eq 2 ]
	grep -qF 'Vous recevez cet e-mail parce que vous avez effectué des achats chez Example Shop.' html.txt
	grep -qF '" style="color:#52606d;">Se désabonner</a>' html.txt
	grep -qF '<html lang="fr-FR">' html.txt
	grep -qF "Se désabonner${nb}: https://shop.example/u?t=" plain.txt
	grep -qF "* Blue teapot - 12,50${nb}£" plain.txt
	! grep -qiE 'unsubscribe<|Unsubscribe:|View product|Because you|Popular with|receive this email' html.txt plain.txt
	localised de-DE
	grep -qF 'Weil Sie „Green teacup“ gut bewertet haben' html.txt
	grep -qF '>Beliebt bei unseren Kundinnen und Kunden<' html.txt
	[ "$(grep -c '>Zum Produkt</a>' html.txt)" -eq 2 ]
	grep -qF 'Sie erhalten diese E-Mail von Example Shop, weil Sie bei uns Kundin oder Kunde sind.' html.txt
	grep -qF '">Abmelden</a>' html.txt
	grep -q '^Abmelden: https://shop.example/u?' plain.txt
	! grep -qiE 'unsubscribe<|Unsubscribe:|View product|Because you|Popular with|receive this email' html.txt plain.txt
}

@test "mailfmt: an English reply, or one in a language without texts, keeps the English texts" {
	for loc in en-GB it-IT; do
		localised "$loc"
		grep -qF '>Because you rated Green teacup highly<' html.txt
		grep -qF '>Popular with our customers<' html.txt
		[ "$(grep -c '>View product</a>' html.txt)" -eq 2 ]
		grep -qF 'You receive this email from Example Shop because you are a customer.' html.txt
		grep -qF '" style="color:#52606d;">Unsubscribe</a>' html.txt
		grep -qE '^Unsubscribe: https://shop.example/u\?t=[A-Za-z0-9_-]+$' plain.txt
	done
	! grep -qF 'Weil Sie' html.txt
}

@test "mailfmt: the brand in the localised footer stays HTML-escaped" {
	LOCALE=es-MX reply u1 ann@example.com 'Ann' 'Hi' 'Body' |
	    jq -c '.meta.brand = "Té <b>&</b> Co"' > in.ndjson
	mailfmt --from "$FROM" --campaign c1 --unsub-mailto unsub@example.com < in.ndjson > out.mbox
	parse out.mbox | jq -r '.parts[1].content' > html.txt
	grep -qF 'Recibe este correo electrónico de Té &lt;b&gt;&amp;&lt;/b&gt; Co porque es usted cliente.' html.txt
	grep -qF '?subject=unsubscribe" style="color:#52606d;">Darse de baja</a>' html.txt
	! grep -qF '<b>&' html.txt
}

@test "mailfmt: the template fallback writes a Spanish customer in Spanish" {
	jq -nc '{id:"u2",ok:false,error:{status:429,type:"insufficient_quota",message:"no",attempts:1},
	         meta:{user:"u2",email:"bo@example.com",name:"Bo",first_name:"Bo",campaign:"c1",
	               variant:"llm",brand:"Example Shop",locale:"es-ES",
	               items:[{item:"sku9",title:"Tetera azul",price:12.5,currency:"EUR",
	                       url:"https://shop.example/p/sku9",reason:{type:"popular"}}]}}' > in.ndjson
	mailfmt --no-unsubscribe --from "$FROM" --campaign c1 --fallback=template < in.ndjson > out.mbox 2>/dev/null
	parse out.mbox > p.ndjson
	jq -r '.parts[0].content' p.ndjson > plain.txt
	jq -r '.parts[1].content' p.ndjson > html.txt
	head -1 plain.txt | grep -qxE '(Hola|Buenos días), Bo:'
	nb=$'\xc2\xa0'
	grep -qF "Tetera azul (12,50${nb}€)" plain.txt
	grep -qF '>Ver producto</a>' html.txt
	grep -qF '>Popular entre nuestros clientes<' html.txt
}

@test "mailfmt: suppressed recipients get no message and are reported and counted" {
	{ reply u1 a@example.com A 'Hi' 'x'; reply u2 b@example.com B 'Hi' 'x'; } > in.ndjson
	echo '{"email":"B@EXAMPLE.com","reason":"unsubscribe","ts":1764000000}' > sup.ndjson
	run_both mailfmt --no-unsubscribe --from "$FROM" --campaign c1 --suppress sup.ndjson --rejects rej.ndjson < in.ndjson || true
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"1 messages, 0 rejected, 1 suppressed"* ]]
	printf '%s\n' "$output" > out.mbox
	[ "$(parse out.mbox | jq -r '.headers.to[0]')" = "A <a@example.com>" ]
	[ "$(jq -r '.kind + " " + .email' rej.ndjson)" = "suppressed b@example.com" ]
}

@test "mailfmt: X-Campaign and X-Variant carry the arm, X-Recmail-Ref the customer sealed" {
	reply 'user 7/ü' a@example.com A 'Hi' 'x' > in.ndjson
	RECMAIL_UNSUB_KEY=0123456789abcdef-secret mailfmt --no-unsubscribe --from "$FROM" --campaign c1 < in.ndjson > out.mbox
	parse out.mbox > p.ndjson
	[ "$(jq -r '.headers["x-campaign"][0]' p.ndjson)" = "c1" ]
	[ "$(jq -r '.headers["x-variant"][0]' p.ndjson)" = "llm" ]
	[[ "$(jq -r '.headers["x-recmail-ref"][0]' p.ndjson)" =~ ^[A-Za-z0-9_-]{60,}$ ]]
	! grep -qi 'user%207\|x-recmail-user' out.mbox
	# without a key there is nothing to seal it with: no header
	mailfmt --no-unsubscribe --from "$FROM" --campaign c1 < in.ndjson > nokey.mbox
	[ "$(parse nokey.mbox | jq -r '.headers["x-recmail-ref"]')" = "null" ]
	! grep -qi 'user%207' nokey.mbox
}

@test "mailfmt: X-Recmail-Writer names what wrote the email: the reply's model, or template when it fell back" {
	reply u1 a@example.com A 'Hi' 'x' | jq -c '.model = "gpt-4o-mini\r\nBcc: evil@example.com"' > in.ndjson
	reply u2 b@example.com B 'Hi' 'x' | jq -c '.ok = false | del(.content)' >> in.ndjson
	reply u3 c@example.com C 'Hi' 'x' >> in.ndjson
	mailfmt --no-unsubscribe --from "$FROM" --campaign c1 --fallback=template < in.ndjson > out.mbox
	parse out.mbox > p.ndjson
	[ "$(jq -r 'select(.headers.to[0] | test("a@")) | .headers["x-recmail-writer"][0]' p.ndjson)" = "gpt-4o-mini%0D%0ABcc%3A%20evil%40example.com" ]
	[ "$(jq -r 'select(.headers.to[0] | test("b@")) | .headers["x-recmail-writer"][0]' p.ndjson)" = "template" ]
	[ "$(jq -r 'select(.headers.to[0] | test("c@")) | .headers["x-recmail-writer"][0]' p.ndjson)" = "unknown" ]
	! grep -qi '^bcc:' out.mbox
}

@test "mailfmt: mboxrd quotes From lines and long words keep lines under 998 octets" {
	long=$(printf 'x%.0s' $(seq 1500))
	body=$'From the start\n>From quoted\n'"$long"
	reply u1 a@example.com A "$long" "$body" > in.ndjson
	mailfmt --no-unsubscribe --from "$FROM" --campaign c1 < in.ndjson > out.mbox
	[ "$(grep -c '^From ' out.mbox)" -eq 1 ]
	[ "$(awk '{ if (length($0) > m) m = length($0) } END { print m }' out.mbox)" -le 998 ]
	parse out.mbox > p.ndjson
	[ "$(jq -r '.headers.subject[0]' p.ndjson)" = "$long" ]
	jq -j --arg b "$body" '.parts[0].content|startswith($b + "\n")' p.ndjson | grep -qx true
}

@test "mailfmt: --eml-dir writes one file per Message-ID and --maildir a maildir" {
	{ reply u1 a@example.com A 'Hi' 'x'; reply u2 b@example.com B 'Hi' 'x'; } > in.ndjson
	mailfmt --no-unsubscribe --from "$FROM" --campaign c1 --eml-dir eml < in.ndjson
	mailfmt --no-unsubscribe --from "$FROM" --campaign c1 --eml-dir eml < in.ndjson
	[ "$(ls eml | wc -l)" -eq 2 ]
	for f in eml/*.eml; do
		id=$("$PY3" "$RECMAIL_ROOT/tests/mailparse.py" --eml "$f" | jq -r '.headers["message-id"][0]')
		[ "$(basename "$f" .eml)" = "$(tr -d '<>' <<<"$id")" ]
	done
	mailfmt --no-unsubscribe --from "$FROM" --campaign c1 --maildir md < in.ndjson
	[ "$(ls md/new | wc -l)" -eq 2 ]
	[ -d md/cur ] && [ -d md/tmp ] && [ -z "$(ls md/tmp)" ]
	[ "$("$PY3" "$RECMAIL_ROOT/tests/mailparse.py" --maildir md | jq -s 'length')" -eq 2 ]
}

@test "mailfmt: duplicate (campaign, user) records are reported, not overwritten" {
	{ reply u1 a@example.com A 'Hi' 'x'; reply u1 a@example.com A 'Hi again' 'y'; } > in.ndjson
	run_both mailfmt --no-unsubscribe --from "$FROM" --campaign c1 --eml-dir eml < in.ndjson || true
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"-:2: duplicate (campaign, user)"* ]]
	[ "$(ls eml | wc -l)" -eq 1 ]
}

# mixed N: N records of every kind a run meets, in an order that crosses batch boundaries:
# good replies, ok:false, suppressed addresses, duplicates, invalid JSON and over-long lines
mixed() {
	jq -nc --argjson n "$1" '
	range($n) as $i |
	if $i % 37 == 5 then "{not json \($i)"
	elif $i % 61 == 7 then {id: "long\($i)", pad: ("x" * 3000)} | tojson
	else
	  (if $i % 29 == 3 then $i - 1 else $i end) as $u |
	  {id: "r\($i)", ok: ($i % 53 != 9),
	   content: ({subject: "Hi \($i)", preheader: "p", body_text: "Hello \($i)\nFrom here"} | tojson),
	   error: (if $i % 53 == 9 then "quota" else null end),
	   meta: {user: "u\($u)", email: (if $i % 41 == 2 then "gone@example.com" else "u\($u)@example.com" end),
	          name: "N\($i)", campaign: "c1", variant: "llm", brand: "Shop",
	          items: [{item: "sku\($i % 7)", title: "T\($i % 7)", price: ($i % 7 + 0.5), currency: "GBP",
	                   url: "https://shop.example/p/\($i % 7)"}]}} | tojson
	end' -r
}

@test "mailfmt: every --jobs count writes the same messages, reports and counts as one thread" {
	mixed 700 > in.ndjson
	echo '{"email":"gone@example.com"}' > sup.ndjson
	for j in 1 2 3 8; do
		run_both mailfmt --no-unsubscribe --from "$FROM" --suppress sup.ndjson --rejects rej$j.ndjson --max-line 2048 \
		    --fallback template --jobs $j in.ndjson
		[ "$status" -eq 1 ]
		printf '%s\n' "$output" > out$j.mbox
		printf '%s\n' "${stderr//rej$j/rej}" > err$j.txt
	done
	[ "$(grep -c '^From MAILER-DAEMON' out1.mbox)" -gt 500 ]
	jq -e -s 'map(.kind) | (index("suppressed") != null) and (length > 40)' rej1.ndjson
	grep -q 'line longer than 2048 bytes' rej1.ndjson
	grep -q 'duplicate (campaign, user)' rej1.ndjson
	for j in 2 3 8; do
		cmp out1.mbox out$j.mbox
		cmp rej1.ndjson rej$j.ndjson
		cmp err1.txt err$j.txt
	done
	# mbox messages + rejected + suppressed account for every line
	m=$(grep -c '^From MAILER-DAEMON' out1.mbox)
	[ $((m + $(wc -l < rej1.ndjson))) -eq 700 ]
	[[ "$(cat err1.txt)" == *"$m messages, "* ]]
}

@test "mailfmt: --jobs and --sync take only sensible values" {
	reply u1 a@example.com A 'Hi' 'x' > in.ndjson
	run mailfmt --no-unsubscribe --from "$FROM" --jobs 0 in.ndjson
	[ "$status" -eq 64 ]
	run mailfmt --no-unsubscribe --from "$FROM" --jobs 65 in.ndjson
	[ "$status" -eq 64 ]
	run mailfmt --no-unsubscribe --from "$FROM" --sync sometimes --eml-dir eml in.ndjson
	[ "$status" -eq 64 ]
	[[ "$output" == *"--sync: 'sometimes' is not 'each' or 'end'"* ]]
}

@test "mailfmt: --sync each and --sync end write the same files" {
	mixed 150 > in.ndjson
	mailfmt --no-unsubscribe --from "$FROM" --eml-dir a --sync each in.ndjson 2>/dev/null || [ $? -eq 1 ]
	mailfmt --no-unsubscribe --from "$FROM" --eml-dir b --sync end in.ndjson 2>/dev/null || [ $? -eq 1 ]
	mailfmt --no-unsubscribe --from "$FROM" --maildir md in.ndjson 2>/dev/null || [ $? -eq 1 ]
	[ "$(ls a | wc -l)" -gt 100 ]
	diff -r a b
	[ "$(ls md/new | wc -l)" -eq "$(ls a | wc -l)" ]
	[ -z "$(ls -A a | grep '^\.')" ]
}

# dkim_check ALG: signs with a fresh key of that kind and verifies with python3-dkim
dkim_check() {
	if [ "$1" = rsa ]; then
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out key.pem 2>/dev/null
	else
		openssl genpkey -algorithm ED25519 -out key.pem
	fi
	openssl pkey -in key.pem -pubout -outform DER -out pub.der
	{ reply u1 a@example.com 'Zoë' 'Grüße' $'Hi\n\n  spaced   text  \n\n\n'; reply u2 b@example.com B 'Hi' 'x'; } > in.ndjson
	RECMAIL_UNSUB_KEY=0123456789abcdef0123 mailfmt --from "$FROM" --campaign c1 \
	    --unsub-mailto u@example.com --unsub-url https://shop.example/u \
	    --dkim-key key.pem --dkim-selector s1 --eml-dir eml < in.ndjson
	cat > verify.py <<-'EOF'
	import base64, sys, dkim
	alg, pub = sys.argv[1], open(sys.argv[2], "rb").read()
	p = base64.b64encode(pub[-32:] if alg == "ed25519" else pub).decode()
	rec = ("v=DKIM1; k=%s; p=%s" % (alg, p)).encode()
	def dns(name, timeout=5):
	    return rec if name == b"s1._domainkey.example.com." else None
	bad = 0
	for path in sys.argv[3:]:
	    raw = open(path, "rb").read().replace(b"\n", b"\r\n")
	    ok = dkim.verify(raw, dnsfunc=dns)
	    tampered = dkim.verify(raw.replace(b"Subject:", b"Subject: x", 1), dnsfunc=dns)
	    print(path, ok, tampered)
	    bad += (not ok) or tampered
	sys.exit(bad)
	EOF
	"$PY3" verify.py "$2" pub.der eml/*.eml
	grep -q "^DKIM-Signature: v=1; a=$2-sha256; c=relaxed/relaxed; d=example.com; s=s1;" eml/*.eml
	h=$(grep -h -A1 '^DKIM-Signature' eml/*.eml | grep -o 'h=[^;]*' | head -1)
	for f in from to subject date message-id mime-version content-type list-unsubscribe list-unsubscribe-post; do
		[[ ":${h#h=}:" == *":$f:"* ]]
	done
}

@test "mailfmt: rsa-sha256 DKIM signatures verify with python3-dkim" {
	dkim_check rsa rsa
}

@test "mailfmt: ed25519-sha256 DKIM signatures verify with python3-dkim" {
	dkim_check ed ed25519
}

@test "mailfmt: the HTML part renders product cards in headless Chromium" {
	if [ ! -x /usr/bin/chromium ]; then
		skip "chromium is not installed (scripts/install-deps installs it)"
	fi
	reply u1 a@example.com 'Ann' 'Hi' $'Hi Ann,\n\nThree picks for you.' > in.ndjson
	mailfmt --no-unsubscribe --from "$FROM" --campaign c1 < in.ndjson > out.mbox
	parse out.mbox | jq -r '.parts[1].content' > mail.html
	timeout 60 /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	    --disable-background-networking --disable-component-update --disable-sync \
	    --user-data-dir="$TMP/chrome" --screenshot="$TMP/shot.png" --window-size=700,900 \
	    "file://$TMP/mail.html" >/dev/null 2>&1 || true
	[ -s shot.png ]
	cat > png.py <<-'EOF'
	import struct, sys, zlib
	data = open(sys.argv[1], "rb").read()
	assert data[:8] == b"\x89PNG\r\n\x1a\n"
	pos, idat, w = 8, b"", 0
	while pos < len(data):
	    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
	    body = data[pos + 8:pos + 8 + n]
	    if kind == b"IHDR":
	        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
	        assert depth == 8 and ctype in (2, 6)
	        bpp = 3 if ctype == 2 else 4
	    elif kind == b"IDAT":
	        idat += body
	    pos += 12 + n
	raw, stride = zlib.decompress(idat), w * bpp
	prev, rows = bytearray(stride), []
	for y in range(h):
	    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
	    for i in range(stride):
	        a = line[i - bpp] if i >= bpp else 0
	        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
	        if f == 1: line[i] = (line[i] + a) & 255
	        elif f == 2: line[i] = (line[i] + b) & 255
	        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
	        elif f == 4:
	            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
	            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
	    rows.append(bytes(line)); prev = line
	colours, dark, blue = set(), 0, 0
	for line in rows[::2]:
	    for x in range(0, w, 2):
	        r, g, b = line[x * bpp:x * bpp + 3]
	        colours.add((r >> 3, g >> 3, b >> 3))
	        dark += r + g + b < 300
	        blue += b > 150 and r < 80 and g < 120   # the header bar and the card buttons
	print(len(colours), dark, blue)
	sys.exit(0 if len(colours) >= 20 and dark > 200 and blue > 2000 else 1)
	EOF
	run "$PY3" png.py shot.png
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "mailfmt: a whitespace-only subject or body is rejected like an empty one" {
	{ reply u1 a@example.com A '' 'body'
	  reply u2 b@example.com B '   ' 'body'
	  reply u3 c@example.com C $'\t\xc2\xa0\xe3\x80\x80' 'body'
	  reply u4 d@example.com D 'Hi' $' \n\t\n '
	  reply u5 e@example.com E 'Hi' 'Body'; } > in.ndjson
	run_both mailfmt --no-unsubscribe --from "$FROM" --campaign c1 --rejects rej.ndjson < in.ndjson
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"1 messages, 4 rejected"* ]]
	[ "$(jq -r '.id + " " + .reason' rej.ndjson | tr '\n' ',')" = \
	    "u1 content has an empty subject or body_text,u2 content has an empty subject or body_text,u3 content has an empty subject or body_text,u4 content has an empty subject or body_text," ]
	printf '%s\n' "$output" > out.mbox
	[ "$(parse out.mbox | jq -r '.headers.subject[0]')" = "Hi" ]
}

@test "mailfmt: a group- or world-readable DKIM key is warned about; an encrypted one is a clear error, never a prompt" {
	openssl genpkey -algorithm ED25519 -out key.pem
	reply u1 a@example.com A 'Hi' 'Body' > in.ndjson
	chmod 644 key.pem
	run_both mailfmt --no-unsubscribe --from "$FROM" --campaign c1 --dkim-key key.pem --dkim-selector s1 < in.ndjson
	[ "$status" -eq 0 ]
	[ "$stderr" = "mailfmt: key.pem: the DKIM private key is readable by group or others (mode 0644): chmod 600 key.pem" ]
	[[ "$output" == *"DKIM-Signature:"* ]]
	chmod 600 key.pem
	run_both mailfmt --no-unsubscribe --from "$FROM" --campaign c1 --dkim-key key.pem --dkim-selector s1 < in.ndjson
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	openssl pkey -in key.pem -aes256 -passout pass:secret-pw -out enc.pem
	chmod 600 enc.pem
	# no terminal to prompt on, and nothing on stdin for a passphrase: it must fail at once
	run_both timeout 10 setsid mailfmt --no-unsubscribe --from "$FROM" --campaign c1 --dkim-key enc.pem --dkim-selector s1 < in.ndjson
	[ "$status" -eq 65 ]
	[ "$stderr" = "mailfmt: enc.pem: the DKIM private key is encrypted: give it unencrypted (openssl pkey -in enc.pem -out key.pem), readable by this user only" ]
	[[ "$stderr" != *"pass phrase"* ]]
	run_both timeout 10 mailfmt --no-unsubscribe --from "$FROM" --campaign c1 --dkim-key /dev/zero --dkim-selector s1 < in.ndjson
	[ "$status" -eq 65 ]
	[ "$stderr" = "mailfmt: /dev/zero: the DKIM private key must be a regular file" ]
}

@test "mailfmt: the text part, its list and the HTML cards share one reason text and one casing" {
	reply u1 ann@example.com 'Ann' 'Hi' 'Body' 'VINTAGE SNAP CARDS' |
	    jq -c '.meta.items[0].reason.because_title = "SPECKLED CAKE TIN"' > in.ndjson
	mailfmt --no-unsubscribe --from "$FROM" --campaign c1 < in.ndjson > out.mbox
	parse out.mbox > p.ndjson
	jq -r '.parts[0].content' p.ndjson > plain.txt
	jq -r '.parts[1].content' p.ndjson > html.txt
	# the list under the letter: each product, then the reason its card gives
	grep -qxF '* Vintage Snap Cards - £12.50' plain.txt
	grep -qxF '  Because you rated Speckled Cake Tin highly' plain.txt
	grep -qxF '  Popular with our customers' plain.txt
	grep -qF '>Vintage Snap Cards<' html.txt
	grep -qF '>Because you rated Speckled Cake Tin highly<' html.txt
	! grep -qF 'VINTAGE' html.txt plain.txt
	! grep -qF 'SPECKLED' html.txt plain.txt
	# a similarity at or below 0.7 makes no claim, in either part
	reply u1 ann@example.com 'Ann' 'Hi' 'Body' |
	    jq -c '.meta.items[0].reason.similarity = 0.13' > in.ndjson
	mailfmt --no-unsubscribe --from "$FROM" --campaign c1 < in.ndjson > out.mbox
	parse out.mbox > p.ndjson
	jq -r '.parts[0].content, .parts[1].content' p.ndjson > both.txt
	! grep -qF 'Green teacup' both.txt
	grep -qF '>Chosen for you<' both.txt
	grep -qxF '  Chosen for you' both.txt
}

@test "mailfmt: marketing mail with no unsubscribe route is refused unless --no-unsubscribe says so" {
	reply u1 ann@example.com 'Ann' 'Hi' 'Body' > in.ndjson
	run_both mailfmt --from "$FROM" --campaign c1 < in.ndjson
	[ "$status" -eq 64 ]
	[ -z "$output" ]
	[[ "$stderr" == "mailfmt: no unsubscribe route: give --unsub-mailto or --unsub-url (marketing mail must have one), or --no-unsubscribe"* ]]
	mailfmt --from "$FROM" --campaign c1 --no-unsubscribe < in.ndjson > out.mbox
	[ "$(parse out.mbox | jq -r '.headers["list-unsubscribe"]')" = null ]
	mailfmt --from "$FROM" --campaign c1 --unsub-mailto u@example.com < in.ndjson > out2.mbox
	[ "$(parse out2.mbox | jq -r '.headers["list-unsubscribe"][0]')" = "<mailto:u@example.com?subject=unsubscribe>" ]
}
