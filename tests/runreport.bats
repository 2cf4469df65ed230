#!/usr/bin/env bats
# tests/runreport.bats - runreport: the campaign report page, checked against the run's own files
# and rendered in headless Chromium (the screenshot is kept in build/artifacts/)

load helpers

setup_file() {
	export LC_ALL=C
	# the example campaign on a smaller shop, offline writer, every language
	SHOP="$BATS_FILE_TMPDIR/shop"
	example_campaign "$SHOP" 300 rep1
	export SHOP
}

setup() {
	setup_scratch
	RUN="$SHOP/runs/rep1"
}

# stage_figure STAGE KEY: KEY=value of the stage's "done" line in the run's log
stage_figure() {
	sed -n "s/.* stage $1: done .*\\b$2=\\([0-9.]*\\).*/\\1/p" "$RUN/campaign.log" | tail -n 1
}

@test "runreport: --help and --version go to stdout; bad usage is 64, a missing run directory 66" {
	run runreport --help
	[ "$status" -eq 0 ]
	[[ "$output" == usage:* ]]
	[[ "$output" == *"example:"* ]]
	run runreport --version
	[ "$status" -eq 0 ]
	[[ "$output" == "runreport (recmail) "* ]]
	run runreport
	[ "$status" -eq 64 ]
	run runreport --open-rate 1.5 "$RUN"
	[ "$status" -eq 64 ]
	run runreport --price-in 0.1 "$RUN"
	[ "$status" -eq 64 ]
	run runreport "$TMP/none"
	[ "$status" -eq 66 ]
	mkdir empty
	run runreport empty
	[ "$status" -eq 66 ]
	[[ "$output" == *"campaign.log"* ]]
}

@test "runreport: the page has no script, forbids every fetch and sandboxes each sample email" {
	run_both runreport --catalog "$SHOP/data/catalog.ndjson" -o report.html "$RUN"
	[ "$status" -eq 0 ]
	[ -s report.html ]
	run ! grep -qi '<script' report.html
	grep -q "http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'" report.html
	n=$(grep -c '<iframe ' report.html)
	[ "$n" -ge 6 ]
	[ "$(grep -c '<iframe sandbox="" ' report.html)" -eq "$n" ]
	# no link or resource of the page itself points outside it
	[ -z "$(grep -oE '<(link|img|script|a) [^>]*(href|src)="https?:' report.html)" ]
	# the default output is RUN_DIR/report.html, written atomically
	cp -r "$RUN" run2
	runreport run2 2>/dev/null
	[ -s run2/report.html ]
	[ -z "$(find run2 -maxdepth 1 -name '*.tmp*')" ]
}

@test "runreport: in Chromium the figures shown equal the run's log, rejects and outbox; every frame renders; no request leaves the page" {
	if [ ! -x /usr/bin/chromium ] || ! command -v node >/dev/null; then
		skip "chromium or node is not installed (scripts/install-deps installs them)"
	fi
	run_both runreport --catalog "$SHOP/data/catalog.ndjson" -o report.html "$RUN"
	[ "$status" -eq 0 ]
	art="${RECMAIL_ARTIFACTS:-$RECMAIL_ROOT/build/artifacts}"
	mkdir -p "$art"
	node --experimental-websocket "$RECMAIL_ROOT/tests/report-cdp.js" "file://$TMP/report.html" \
		"$art/runreport.png" >page.json
	echo "screenshot: $art/runreport.png"
	[ -s "$art/runreport.png" ]
	[ "$(jq -r .campaign page.json)" = rep1 ]
	[ "$(jq -r .scripts page.json)" -eq 0 ]
	# the stage table is the log's
	for s in ingest train recommend cap assign prompt write format; do
		for k in in out rejected; do
			[ "$(jq -r ".stages.$s.$k" page.json)" = "$(stage_figure "$s" "$k")" ]
		done
	done
	# reject counts are the rejects files'
	jq -r '.rejects | to_entries[] | "\(.key) \(.value)"' page.json >shown
	for f in "$RUN"/rejects-*.ndjson; do
		st=$(basename "$f" .ndjson)
		jq -rs --arg st "${st#rejects-}" 'group_by(.reason)[] | "\($st):\(.[0].reason) \(length)"' "$f"
	done >counted
	[ -s counted ]
	[ "$(sort shown)" = "$(sort counted)" ]
	# messages per arm are the outbox's X-Variant headers; every check covers every message
	msgs=$(find "$RUN/outbox" -name '*.eml' | wc -l)
	[ "$(jq -r .messages page.json)" -eq "$msgs" ]
	for arm in template; do
		want=$(grep -l "^X-Variant: $arm\$" "$RUN"/outbox/*.eml | wc -l)
		[ "$(jq -r ".arms.$arm.messages" page.json)" -eq "$want" ]
	done
	[ "$(jq -r .arms.holdout.assigned page.json)" -eq "$(jq -c 'select(.variant == "holdout")' "$RUN/assigned.ndjson" | wc -l)" ]
	[ "$(jq -r '[.checks[].of] | unique | .[0]' page.json)" -eq "$msgs" ]
	[ "$(jq -r .checks.text_part.pass page.json)" -eq "$msgs" ]
	# the example has no DKIM key and no one-click URL: both are warnings, on the page and stderr
	[ "$(jq -r .checks.dkim.verdict page.json)" = WARNING ]
	[ "$(jq -r .checks.one_click.verdict page.json)" = WARNING ]
	jq -e '.warnings | any(test("no DKIM signature")) and any(test("no one-click unsubscribe"))' page.json
	[[ "$stderr" == *"warning: $msgs of $msgs messages have no DKIM signature"* ]]
	# samples: every arm shows every language of its messages, in a sandboxed frame that renders
	for arm in template; do
		langs=$(grep -l "^X-Variant: $arm\$" "$RUN"/outbox/*.eml | xargs grep -ho 'lang=3D"[^"]*"' | sort -u | wc -l)
		[ "$(jq -r --arg a "$arm" '[.samples[] | select(.arm == $a) | .lang] | unique | length' page.json)" -eq "$langs" ]
	done
	jq -e '.samples | all(.sandbox == "" and (.text | length > 100) and (.subject | length > 5))' page.json
	nf=$(jq '.frames | length' page.json)
	[ "$nf" -eq "$(jq '.samples | length' page.json)" ]
	[ "$(jq '[.frames[] | select(.rendered and (.text | length > 50))] | length' page.json)" -eq "$nf" ]
	# no request but the page itself: anything else was blocked before it left
	jq -e '[.requests[] | select(.url | startswith("file://") | not)] | all(.blocked != null and .response == false)' page.json
	[ "$(jq '[.requests[] | select(.response)] | length' page.json)" -eq 1 ]
}

@test "runreport: untrusted text from the model is escaped everywhere it is shown" {
	mkdir -p r/outbox
	printf '2026-12-01T00:00:00Z campaign x1: run directory r\n2026-12-01T00:00:01Z stage format: done in=1 out=1 rejected=0 seconds=0.1\n' >r/campaign.log
	jq -nc '{id:"u1", ok:true, model:"m", usage:{prompt_tokens:10, completion_tokens:5}, attempts:1,
	  content:({subject:"<img src=x onerror=alert(1)>", preheader:"</span><b>pre</b>",
	            body_text:"Hi\n</pre><script>alert(2)</script>"}|tojson),
	  meta:{user:"u1", email:"a@example.com", name:"A", locale:"en-GB", campaign:"x1", variant:"llm",
	        items:[{item:"s1", title:"T\"><script>", reason:{type:"popular"}}]}}' >r/replies.ndjson
	mailfmt --from 'Shop <shop@example.com>' --unsub-mailto u@example.com --eml-dir r/outbox \
		<r/replies.ndjson
	printf '{"user":"u9","line":3,"reason":"<b>bad</b>","email":"secret@example.com"}\n' >r/rejects-mail.ndjson
	runreport r 2>/dev/null
	run ! grep -q '<img src=x' r/report.html
	run ! grep -q '<script' r/report.html
	run ! grep -q '<b>pre</b>' r/report.html
	run ! grep -q '<b>bad</b>' r/report.html
	grep -q '&lt;img src=x onerror=alert(1)&gt;' r/report.html
	grep -q '&lt;/pre&gt;&lt;script&gt;alert(2)&lt;/script&gt;' r/report.html
	# a reject example names the record, never the address
	run ! grep -q 'secret@example.com' r/report.html
}

@test "runreport: LLM use, cost, refusals and the A/B plan are computed from the replies and the outbox" {
	mkdir -p r/outbox
	printf '2026-12-01T00:00:00Z campaign x2: run directory r\n' >r/campaign.log
	for i in 1 2 3; do
		jq -nc --arg i "$i" '{id:("u" + $i), ok:true, model:"gpt", attempts:($i | tonumber),
		  usage:{prompt_tokens:1000, completion_tokens:200},
		  content:({subject:"Hi", preheader:"p", body_text:"Hello"}|tojson),
		  meta:{user:("u" + $i), email:("u" + $i + "@example.com"), campaign:"x2",
		        variant:(if $i == "3" then "b" else "a" end), locale:"en-GB", items:[]}}'
	done >r/replies.ndjson
	jq -nc '{id:"u4", ok:false, usage:{prompt_tokens:500, completion_tokens:100},
	  error:{status:200, type:"invalid_output", message:"mentions a discount: 20% off", attempts:2},
	  meta:{user:"u4", email:"u4@example.com", campaign:"x2", variant:"a"}}' >>r/replies.ndjson
	jq -c 'select(.ok)' r/replies.ndjson | mailfmt --from 'Shop <shop@example.com>' \
		--unsub-mailto u@example.com --eml-dir r/outbox
	run_both runreport --price-in 0.5 --price-out 2 --currency EUR --click-rate 0.05 r
	[ "$status" -eq 0 ]
	f=r/report.html
	# requests 1+2+3+2, retries 0+1+2+1, tokens 3500 and 700: 3.5 * 0.5 + 0.7 * 2 = 3.15
	grep -q 'data-k="requests">8<' "$f"
	grep -q 'data-k="retries">4<' "$f"
	grep -q 'data-k="prompt_tokens">3500<' "$f"
	grep -q 'data-k="completion_tokens">700<' "$f"
	grep -q 'data-k="cost">3.1500 EUR<' "$f"
	grep -q 'data-k="guard_refusals">1<' "$f"
	grep -q 'mentions a discount: 20% off' "$f"
	# the minimum detectable effect, independently: (z.975 + z.8) sqrt(p (1 - p) (1/2 + 1/1))
	want=$("$PY3" -c 'from statistics import NormalDist as N; import math
z = N().inv_cdf(0.975) + N().inv_cdf(0.8)
print("%.6f" % (z * math.sqrt(0.05 * 0.95 * (1 / 2 + 1 / 1))))')
	got=$(grep -o 'data-a="a" data-b="b" data-rate="click">.*data-mde="[0-9.]*"' "$f" | sed 's/.*data-mde="//; s/"$//')
	awk -v a="$want" -v b="$got" 'BEGIN { d = a - b; exit !(d < 1e-5 && d > -1e-5) }'
}

@test "runreport: DKIM aligned with From and one-click unsubscribe pass the checks, without warnings" {
	openssl genpkey -algorithm ED25519 -out dkim.pem 2>/dev/null
	mkdir -p r/outbox
	printf '2026-12-01T00:00:00Z campaign x3: run directory r\n' >r/campaign.log
	head -n 20 "$RUN/replies.ndjson" | RECMAIL_UNSUB_KEY=0123456789abcdef0123 mailfmt \
		--from 'Shop <shop@mail.example.com>' --reply-to 'Care <care@example.com>' \
		--unsub-url https://t.example.com/u --dkim-key dkim.pem --dkim-selector s1 \
		--dkim-domain example.com --eml-dir r/outbox
	run_both runreport r
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	for c in dkim dkim_aligned one_click text_part reply_to_consistent html_under_clip; do
		grep -q "data-check=\"$c\"><td>[^<]*</td><td class=\"n\" data-k=\"pass\">20</td><td class=\"n\" data-k=\"of\">20</td><td class=\"ok\">" r/report.html
	done
	# a DKIM domain of another organisation is not aligned
	rm -r r/outbox && mkdir r/outbox
	head -n 5 "$RUN/replies.ndjson" | RECMAIL_UNSUB_KEY=0123456789abcdef0123 mailfmt \
		--from 'Shop <shop@example.com>' --unsub-url https://t.example.com/u --dkim-key dkim.pem \
		--dkim-selector s1 --dkim-domain esp.example.net --eml-dir r/outbox
	run_both runreport r
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"5 DKIM signatures are not aligned with the From domain"* ]]
}
