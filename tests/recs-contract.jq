# recs-contract.jq - checks recommendation lines against docs/FORMATS.md 2.4 (the topk contract).
# Silent for a conforming line; stops with an error naming the line for the first one that is not:
#   jq -f tests/recs-contract.jq recs.ndjson      (exit 0: all conform; 5: one does not)
# Reason types: similar, popular, also_bought, content, neighbours, and model (proposed: no history to name).
def fail($m): error("recs contract: \($m) in \(tojson)");
def need($ok; $m): if $ok then . else fail($m) end;
def sources: ["mf", "fold-in", "popular", "itemknn", "userknn", "blend", "none"];
def reason_ok($j):
  need(type == "object" and (.type | type) == "string";
       "recs[\($j)].reason must be an object with a string type")
  | if .type == "similar" then
      need((.because | type) == "string" and (.similarity | type) == "number";
           "recs[\($j)].reason similar needs because (string) and similarity (number)")
    elif .type == "also_bought" then
      need((.because | type) == "string"; "recs[\($j)].reason also_bought needs because")
    elif .type == "content" then
      need((.because | type) == "string" and (.similarity | type) == "number" and
           ([.shared] | inside(["category", "brand", "word"])) and (.value | type) == "string";
           "recs[\($j)].reason content needs because, similarity, shared (category|brand|word) and value")
    elif .type == "neighbours" then
      need((.users | type) == "number" and (.users | floor) == .users;
           "recs[\($j)].reason neighbours needs an integer users")
    elif .type == "popular" or .type == "model" then .
    else fail("recs[\($j)].reason has unknown type \(.type)") end
  | need(.action == null or ((.action | type) == "string" and (.action | length) > 0);
         "recs[\($j)].reason action must be a non-empty string");

need(type == "object"; "a line must be an object")
| need((.user | type) == "string"; "user must be a string")
| need((.recs | type) == "array"; "recs must be an array")
| need((.source | type) == "string" and ([.source] | inside(sources)); "unknown source")
| need((.recs | length) > 0 or .source == "none"; "recs is empty but source is not none")
| . as $line
| (.recs | to_entries[]) as {key: $j, value: $r}
| $r
| need(type == "object" and (.item | type) == "string"; "recs[\($j)].item must be a string")
| need((.score | type) == "number"; "recs[\($j)].score must be a number")
| need(.rank == $j + 1; "recs[\($j)].rank must be \($j + 1)")
| (.reason | reason_ok($j))
| empty,
  ($line | need((.recs | map(.item) | unique | length) == (.recs | length); "recs repeat an item")
   | empty)
