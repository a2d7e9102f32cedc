#!/bin/bash
# sbx cost: four sandboxes driven at known --now times, and the report of
# 2027-01-04 00:00 to 2027-01-07 00:00 checked to the cent against the
# arithmetic below, as a table, JSON, CSV and an HTML page; bad periods,
# groupings and rates refused.
. "$(dirname "$0")/lib.sh"

mkdir -p src/conf && echo '{"sla": 4}' >src/conf/sla.json && echo hello >src/readme.txt
echo '{"version": 1}' >policy.json
"$SBX" -q master refresh m --from src --policy policy.json >/dev/null 2>&1 || exit 99

# Rates: training 0.42 an hour; uat 1.10 an hour and 73000 a GB-month (so
# that a 100 kB sandbox costs cents: B bytes for 24 h cost B x 24 / 730 /
# 10^9 x 73000 EUR = B x 24 / 100000 cents); the "local" provider stores at
# 0.50 (the sandboxes on it that keep no bytes pay nothing for it); dev on
# the provider "plain" has no rate at all.
cat >"$S/config.json" <<JSON
{"providers": {
   "local": {"type": "local", "root": "$S/sandboxes",
             "rates": {"stored_per_gb_month": "0.50", "currency": "EUR"}},
   "plain": {"type": "local", "root": "$S/plain"}},
 "purposes": {
   "training": {"rates": {"active_per_hour": "0.42", "currency": "EUR"}},
   "uat": {"rates": {"active_per_hour": "1.10", "stored_per_gb_month": "73000", "currency": "EUR"}},
   "dev": {"provider": "plain"}}}
JSON
expect 0 config check

at() { # at TIME ARGS...: sbx at that time
	local t=$1
	shift
	expect 0 --now "$t" "$@"
}

# t1 (training, ana): active 2027-01-03 22:00 to 01-04 02:30, across the
# start of the period: 2.5 h inside; then 01-05 09:00 to 17:15, 8.25 h.
at 2027-01-03T08:00:00Z clone m t1 --purpose training --owner ana
at 2027-01-03T22:00:00Z activate t1
at 2027-01-04T02:30:00Z deactivate t1
at 2027-01-05T09:00:00Z activate t1
at 2027-01-05T17:15:00Z deactivate t1
# u1 (uat, bob): active 01-04 20:00 to 01-05 03:00 across midnight (4 h +
# 3 h), deactivated by the scheduler, so 03:00 to 08:00 is saved (5 h);
# active 08:00 to 12:00 (4 h), when it keeps 100 kB of its own; destroyed
# on 01-06 at 12:00, storing them for 24 h.
at 2027-01-04T20:00:00Z clone m u1 --purpose uat --owner bob --activate
SBX_ACTOR=scheduler at 2027-01-05T03:00:00Z deactivate u1
at 2027-01-05T08:00:00Z activate u1
head -c 100000 /dev/urandom >"$S/sandboxes/u1/notes.bin"
at 2027-01-05T12:00:00Z deactivate u1
at 2027-01-06T12:00:00Z destroy u1
# t2 (training, an owner with every character CSV and HTML care about):
# active from 01-06 21:30 and still at the end of the period: 2.5 h inside.
OWNER='Cy "<b>" O'"'"'Brien, QA'
at 2027-01-06T21:30:00Z clone m t2 --purpose training --owner "$OWNER" --activate
# d1 (dev, ana, no rates): active from 01-06 18:00 on: 6 h inside.
at 2027-01-06T18:00:00Z clone m d1 --purpose dev --owner ana --activate

B=$("$SBX" history u1 --json | jq '[.[] | select(.op == "deactivate" and .phase == "outcome")] | last | .stored_bytes')
[ "$B" -ge 100000 ] && ok || fail "u1 stores $B bytes, expected 100000 or more"
# u1's storage: B x 24 / 100000 cents, rounded half up; 12 h of it on 01-05.
STORE_CENTS=$(((B * 24 + 50000) / 100000))
STORE_DAY5=$(((B * 12 + 50000) / 100000))
cents() { printf '%d.%02d' $(($1 / 100)) $(($1 % 100)); }

PERIOD=(--now 2027-01-07T06:00:00Z cost --from 2027-01-04T00:00:00Z --to 2027-01-07T00:00:00Z)

# By sandbox, in JSON:
#   t1: 10.75 h; its running cost is 2 h x 0.42 = 0.84 at the start of the
#       period and 4.5 h + 8.25 h = 12.75 h x 0.42 = 5.355, rounded 5.36, at
#       the end: 5.36 - 0.84 = 4.52.
#   u1: 11 h x 1.10 = 12.10, storage STORE_CENTS, 5 h saved x 1.10 = 5.50.
#   t2: 2.5 h x 0.42 = 1.05.  d1: 6 h, no rate.
expect 0 "${PERIOD[@]}" --by sandbox --json
J=$T/by-sandbox.json
cp "$O" "$J"
g() { jq -r --arg k "$1" ".groups[] | select(.key == \$k) | .$2" "$J"; }
assert_eq "$(jq -r .period.from "$J") $(jq -r .period.to "$J") $(jq -r .by "$J")" \
	"2027-01-04T00:00:00Z 2027-01-07T00:00:00Z sandbox" "period"
assert_eq "$(g t1 active_hours) $(g t1 active) $(g t1 total) $(g t1 currency)" "10.75 4.52 4.52 EUR" "t1"
assert_eq "$(g t1 purpose) $(g t1 owner)" "training ana" "t1 purpose and owner"
assert_eq "$(g u1 active_hours) $(g u1 active) $(g u1 storage_minor)" "11.00 12.10 $STORE_CENTS" "u1"
assert_eq "$(g u1 total_minor)" $((1210 + STORE_CENTS)) "u1 total"
assert_eq "$(g u1 savings_hours) $(g u1 savings) $(g u1 savings_minor)" "5.00 5.50 550" "u1 savings"
assert_eq "$(g t2 active_hours) $(g t2 active) $(g t2 owner)" "2.50 1.05 $OWNER" "t2"
assert_eq "$(g d1 active_hours) $(g d1 currency) $(g d1 total) $(g d1 total_minor)" "6.00 null null 0" "d1 unrated"
# Totals: 17.67 active (4.52 + 12.10 + 1.05) and the storage, in EUR; the
# unrated hours apart.
EUR_TOTAL=$((1767 + STORE_CENTS))
t() { jq -r ".totals[] | select(.currency == $1) | .$2" "$J"; }
assert_eq "$(t '"EUR"' active_hours) $(t '"EUR"' active) $(t '"EUR"' total_minor)" "24.25 17.67 $EUR_TOTAL" "EUR total"
assert_eq "$(t '"EUR"' savings) $(t '"EUR"' sandboxes)" "5.50 3" "EUR savings"
assert_eq "$(t null active_hours) $(t null total)" "6.00 null" "unrated total"
# Forecast for January: month to date adds t1's 0.84 of 01-03 (5.36 +
# 12.10 + 1.05 = 18.51 and the storage); the last 7 days (12-31 to 01-07)
# hold the same; 25 days are left: forecast = mtd + last7 x 25 / 7.
MTD=$((1851 + STORE_CENTS))
FORECAST=$((MTD + (MTD * 25 * 2 + 7) / 14))
f() { jq -r ".forecast[0].$1" "$J"; }
assert_eq "$(f month) $(f month_to_date_minor) $(f last_7_days_minor) $(f days_left)" \
	"2027-01 $MTD $MTD 25.00" "forecast inputs"
assert_eq "$(f forecast_minor) $(f forecast)" "$FORECAST $(cents $FORECAST)" "forecast"
assert_grep "days left in the month" "$J"

# The same grand total whatever the grouping, and the daily series sums to it.
for by in purpose owner provider; do
	expect 0 "${PERIOD[@]}" --by "$by" --format json
	assert_eq "$(jq '[.groups[] | select(.currency == "EUR") | .total_minor] | add' "$O")" "$EUR_TOTAL" "sum of groups by $by"
	assert_eq "$(jq '.totals[] | select(.currency == "EUR") | .total_minor' "$O")" "$EUR_TOTAL" "total by $by"
	assert_eq "$(jq '[.daily[] | .total_minor] | add' "$O")" "$EUR_TOTAL" "daily sum by $by"
done
# By purpose: training 13.25 h, 4.52 + 1.05 = 5.57; uat 11 h; dev 6 h unrated.
expect 0 "${PERIOD[@]}" --json
P=$T/by-purpose.json
cp "$O" "$P"
assert_eq "$(jq -r .by "$P")" purpose "--by purpose is the default"
assert_eq "$(jq -r '.groups[] | select(.key == "training") | "\(.active_hours) \(.total) \(.sandboxes)"' "$P")" \
	"13.25 5.57 2" "training"
assert_eq "$(jq -r '.groups[] | select(.key == "uat") | "\(.active_hours) \(.total_minor) \(.savings)"' "$P")" \
	"11.00 $((1210 + STORE_CENTS)) 5.50" "uat"
assert_eq "$(jq -r '.groups[] | select(.key == "dev") | "\(.active_hours) \(.currency)"' "$P")" "6.00 null" "dev"
# Daily: 01-04 training 1.05 (t1), uat 4.40 (u1, 4 h); 01-05 training 3.47
# (t1: 5.36 - 1.89), uat 7.70 (7 h) + 12 h of storage; 01-06 training 1.05
# (t2), uat the rest of the storage.
d() { jq -r --arg d "$1" --arg p "$2" '.daily[] | select(.date == $d) | .purposes_minor[$p] // 0' "$P"; }
assert_eq "$(d 2027-01-04 training) $(d 2027-01-04 uat)" "105 440" "daily 01-04"
assert_eq "$(d 2027-01-05 training) $(d 2027-01-05 uat)" "347 $((770 + STORE_DAY5))" "daily 01-05"
assert_eq "$(d 2027-01-06 training) $(d 2027-01-06 uat)" "105 $((STORE_CENTS - STORE_DAY5))" "daily 01-06"
# Relative --from: 3 days before now.
expect 0 --now 2027-01-07T00:00:00Z cost --from 3d --json
assert_eq "$(jq -r .period.from "$O") $(jq '.totals[] | select(.currency == "EUR") | .total_minor' "$O")" \
	"2027-01-04T00:00:00Z $EUR_TOTAL" "--from 3d"
# Without --from: the month so far; on the first instant of a month, the
# month before.  A --to after now ends the period now.
expect 0 --now 2027-01-07T00:00:00Z cost --json
assert_eq "$(jq -r .period.from "$O")" 2027-01-01T00:00:00Z "default --from"
expect 0 --now 2027-02-01T00:00:00Z cost --json
assert_eq "$(jq -r .period.from "$O") $(jq -r .period.to "$O")" \
	"2027-01-01T00:00:00Z 2027-02-01T00:00:00Z" "default period on the 1st"
expect 0 --now 2027-01-07T00:00:00Z cost --from 2027-01-04 --to 2027-02-01 --json
assert_eq "$(jq -r .period.to "$O") $(jq '.totals[] | select(.currency == "EUR") | .total_minor' "$O")" \
	"2027-01-07T00:00:00Z $EUR_TOTAL" "--to after now"

# The table: one row per group and currency, the totals, the forecast.
expect 0 "${PERIOD[@]}"
assert_grep "^cost from 2027-01-04T00:00:00Z to 2027-01-07T00:00:00Z by purpose" "$O"
assert_grep "^PURPOSE +CURRENCY +ACTIVE H +ACTIVE +GB-MONTHS +STORAGE +TOTAL +SAVED H +SAVINGS$" "$O"
assert_grep "^training +EUR +13\.25 +5\.57 +0\.0000 +0\.00 +5\.57 +0\.00 +0\.00$" "$O"
assert_grep "^uat +EUR +11\.00 +12\.10 +[0-9.]+ +$(cents $STORE_CENTS) +$(cents $((1210 + STORE_CENTS))) +5\.00 +5\.50$" "$O"
assert_grep "^dev +- +6\.00 +- +0\.0000 +- +- +0\.00 +-$" "$O"
assert_grep "^total +EUR +24\.25 +17\.67 +[0-9.]+ +$(cents $STORE_CENTS) +$(cents $EUR_TOTAL) +5\.00 +5\.50$" "$O"
assert_grep "^total +- +6\.00 " "$O"
assert_grep "^forecast for 2027-01: EUR $(cents $FORECAST) " "$O"

# CSV (RFC 4180): a header, the groups, the totals; the owner with a comma
# and quotes quoted, its quotes doubled.
expect 0 "${PERIOD[@]}" --by owner --format csv
assert_eq "$(head -1 "$O")" $'row,owner,currency,sandboxes,active_hours,active,gb_months,storage,total,savings_hours,savings\r' "csv header"
assert_grep $'^group,ana,EUR,1,10\\.75,4\\.52,0\\.0000,0\\.00,4\\.52,0\\.00,0\\.00\r$' "$O"
assert_grep $'^group,ana,,1,6\\.00,,0\\.0000,,,0\\.00,\r$' "$O"
assert_grep "^group,bob,EUR,1,11\.00,12\.10,[0-9.]+,$(cents $STORE_CENTS),$(cents $((1210 + STORE_CENTS))),5\.00,5\.50"$'\r$' "$O"
assert_grep $'^group,"Cy ""<b>"" O\'Brien, QA",EUR,1,2\\.50,1\\.05,0\\.0000,0\\.00,1\\.05,0\\.00,0\\.00\r$' "$O"
assert_grep "^total,,EUR,3,24\.25,17\.67,[0-9.]+,$(cents $STORE_CENTS),$(cents $EUR_TOTAL),5\.00,5\.50"$'\r$' "$O"
assert_eq "$(wc -l <"$O")" 7 "csv lines: header, 4 groups, 2 totals"
python3 - "$O" <<'PY' && ok || fail "the CSV does not parse back to its fields"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert rows[0][1] == "owner" and len({len(r) for r in rows}) == 1, rows
assert any(r[1] == 'Cy "<b>" O\'Brien, QA' for r in rows), rows
PY

# HTML: one page, no script, no external resource; an <svg> with a bar per
# (day, purpose) that cost something (6), its legend and axis labels; the
# tables below; every journal string escaped.
expect 0 "${PERIOD[@]}" --by owner --format html --out "$T/cost.html"
[ -s "$T/cost.html" ] && ok || fail "--out wrote nothing"
assert_eq "$(wc -c <"$O")" 0 "--out: nothing on stdout"
assert_no_grep "<script|https?://|src=|href=|@import|url\(" "$T/cost.html"
assert_no_grep "<b>" "$T/cost.html"
assert_grep "Cy &quot;&lt;b&gt;&quot; O&#39;Brien, QA" "$T/cost.html"
python3 - "$T/cost.html" "$EUR_TOTAL" "$(cents $EUR_TOTAL)" <<'PY' && ok || fail "the HTML page is not what it should be"
import sys
from html.parser import HTMLParser

class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.svg, self.bars, self.swatches, self.texts = [], 0, [], 0, []
        self.tables, self.cells, self.title = 0, [], None
    def seen(self, tag, a):
        if tag == "svg":
            self.svg += 1
        if tag == "rect" and a.get("class") == "bar":
            self.bars.append(a)
        if tag == "rect" and a.get("class") == "swatch":
            self.swatches += 1
        if tag == "table":
            self.tables += 1
    def handle_starttag(self, tag, attrs):
        self.seen(tag, dict(attrs))
        if tag != "meta":              # the one void element of the page
            self.stack.append(tag)
    def handle_startendtag(self, tag, attrs):
        self.seen(tag, dict(attrs))
    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, (tag, self.stack)
        self.stack.pop()
    def handle_data(self, data):
        if "svg" in self.stack:
            self.texts.append(data)
            if "rect" in self.stack and "title" in self.stack:
                self.bars[-1]["title"] = data
        if "td" in self.stack:
            self.cells.append(data)

p = Page()
p.feed(open(sys.argv[1], encoding="utf-8").read())
p.close()
assert not p.stack, p.stack
assert p.svg == 1, p.svg
assert len(p.bars) == 6, [b.get("title") for b in p.bars]
titles = sorted(b["title"] for b in p.bars)
assert titles[0].startswith("2027-01-04 training: 1.05 EUR"), titles
assert all(float(b["height"]) > 0 for b in p.bars)
assert p.swatches == 2, p.swatches           # training, uat
assert "EUR per day" in " ".join(p.texts)
assert any("01-05" in t for t in p.texts)       # the x axis
assert p.tables >= 2
assert sys.argv[3] in p.cells, p.cells          # the EUR total in the table
assert 'Cy "<b>" O\'Brien, QA' in p.cells       # unescaped again by the parser
PY
# Without --out, the page goes to stdout.
expect 0 "${PERIOD[@]}" --format html
assert_grep "^<!DOCTYPE html>" "$O"

# A spreadsheet must not take an owner for a formula (the totals above are
# checked already: this sandbox comes after them).
at 2027-01-06T10:00:00Z clone m f1 --purpose training --owner '=1+1' --activate
expect 0 "${PERIOD[@]}" --by owner --format csv
assert_grep $'^group,"\'=1\\+1",EUR,1,14\\.00,5\\.88,' "$O"

# Usage errors: exit 2.
expect 2 cost --from yesterday
assert_grep "sbx: error: --from 'yesterday' is not a time" "$E"
expect 2 cost --to 2027-02-30T25:00:00Z
expect 2 cost --by team
assert_grep "by 'team': one of sandbox, purpose, owner, provider" "$E"
expect 2 cost --format pdf
expect 2 cost --json --format csv
expect 2 cost extra
expect 2 --now 2027-01-07T00:00:00Z cost --from 2027-01-08T00:00:00Z
assert_grep "the period is empty" "$E"

# Bad rates: FILE:LINE:COL errors, from config check and from cost itself.
printf '%s\n' '{"purposes": {' '  "qa": {"rates": {"active_per_hour": 0.42, "currency": "EUR"}}}}' >bad1.json
expect 2 --config bad1.json config check
assert_grep "bad1\.json:2:39: \"active_per_hour\" must be a decimal string" "$E"
expect 2 --config bad1.json cost
assert_grep "bad1\.json:2:39:" "$E"
printf '%s\n' '{"purposes": {' '  "qa": {"rates": {"active_per_hour": "0.4200001", "currency": "EUR"}}}}' >bad2.json
expect 2 --config bad2.json config check
assert_grep "bad2\.json:2:39: \"active_per_hour\": \"0\.4200001\" has more than 6 digits after the point" "$E"
printf '%s\n' '{"purposes": {' '  "qa": {"rates": {"active_per_hour": "1", "currency": "eur"}}}}' >bad3.json
expect 2 --config bad3.json config check
assert_grep "bad3\.json:2:56: \"eur\" is not a currency code" "$E"
printf '%s\n' '{"purposes": {' '  "qa": {"rates": {"active_per_hour": "1"}}}}' >bad4.json
expect 2 --config bad4.json config check
assert_grep "bad4\.json:2:19: rates need a \"currency\"" "$E"
printf '%s\n' '{"purposes": {' '  "qa": {"rates": {"active_per_hour": "1", "curency": "EUR"}}}}' >bad5.json
expect 2 --config bad5.json config check
assert_grep "bad5\.json:2:44: unknown rate \"curency\" \(did you mean \"currency\"\?\)" "$E"
printf '%s\n' '{"providers": {"local": {"type": "local", "root": "/tmp/x",' \
	'  "rates": {"stored_per_gb_month": "-1", "currency": "EUR"}}}}' >bad6.json
expect 2 --config bad6.json config check
assert_grep "bad6\.json:2:36: \"stored_per_gb_month\": \"-1\" is not a decimal amount" "$E"
# Rates are a setting of every provider type, and its own settings stay
# the provider's: an http provider (which refuses settings it does not
# know) takes them, and a purpose without a currency takes its provider's.
cat >good.json <<'JSON'
{"providers": {"cloud": {"type": "http", "base_url": "https://sandboxes.example.com/api/v1",
                         "verbs": {"provision": "POST /sandboxes", "activate": "POST /sandboxes/{id}/start",
                                   "deactivate": "POST /sandboxes/{id}/stop",
                                   "destroy": "DELETE /sandboxes/{id}"},
                         "rates": {"active_per_hour": "2.00", "currency": "USD"}}},
 "purposes": {"qa": {"provider": "cloud", "rates": {"active_per_hour": "0.90"}}}}
JSON
expect 0 --config good.json config check

finish
