# reasons-liked.jq - counts the reasons of recommendation lines that name a history item the user
# did not like: rated below $min, or below the user's own mean rating.
#   jq -n --slurpfile h <(matinfo --dump seen.st) --argjson min 4 -f tests/reasons-liked.jq recs.ndjson
# prints {"reasons":N,"below":N,"max_cited_below":R} (below: reasons naming such an item).
($h | map({key: .user, value: .items}) | from_entries) as $m
| [inputs | .user as $u | ($m[$u] // {}) as $row | ([$row[]] | add / length) as $mean
   | .recs[] | select(.reason.because != null) | $row[.reason.because] as $r
   | {r: $r, low: ($r == null or $r < $min or $r < $mean)}]
| {reasons: length, below: map(select(.low)) | length}
