"""A RetailNext API simulator: a real HTTP server on loopback over a seeded store chain.

It is StoreOps' demo mode and the server every test talks to.
`start_simulator()` (server.py) runs it on a background thread;
`python -m storeops.simulator` runs it as a process.

Layout: world.py (the chain's data) and seed.py (building it), traffic.py (counts
computed on demand), dates.py + datamine.py (the metrics query), routes/ (one
module per API area), app.py (middleware: request counting, basic auth, faults,
concurrency limits), faults.py (scripted and random faults), fault_spec.py (the
random faults' spec), limits.py, pagination.py, video/ (HLS and exports).

Where the reference is silent or vague, the simulator decides, and says so here:
- Datamine dates. The reference: a `gregorian` date ending in "Z" is UTC. The
  simulator also takes ISO 8601 offsets ("2026-03-08T00:00:00-05:00", the form the
  reference shows for POS and adjust times) as those instants; an offset of 24 h
  or more is a 400. Where the reference is silent: a gregorian with neither "Z"
  nor offset, and an `absolute` date, are wall times in the query's `time_zone`,
  or, when the query has none, in each store's own zone (every store reads its own
  "2026-03-08T00:00:00"); `name` dates are read in `time_zone`, as the reference
  says. With a `time_zone`, instants are carried in it, so `relative` arithmetic
  and `truncate_to` follow its calendar and DST (adding a day to a midnight gives
  the next midnight, 23 or 25 hours later); without one, an instant's arithmetic
  is in its own written offset (UTC for "Z"). Each range is then read in each
  store's zone (its local wall times) and grouped by that store's local days and
  times. A wall time that a DST change skips or repeats is read with the offset
  before the change (Python's fold 0). When one end is a zone-less wall time and
  the other an instant, the two are compared (empty range, range limits) as if
  the wall time were UTC. `to` is exclusive; weeks start on Sunday (the default
  calendar); absolute week 1 starts on the first Sunday of the enclosing period.
- The documented range limits (5 years for one store, 2 for several; a region
  counts as several stores, a sublocation as its one store) compare `to` with
  `from` plus 5 (or 2) calendar years, in `from`'s zone; exactly 5 years is
  allowed. Over them is a 400 "date range too long: at most N years when
  querying one store / several stores".
- An overnight store's intervals after midnight belong to the day it opened; their
  time groups read "+00:15" (no store opens the day before, so there is no "-").
- Several date ranges or time ranges are a union; a response has one series per
  metric. Group descriptions: date {from, through} with gregorian/year/month/day;
  time {from, to} with time/hour/minute; day_of_week {value 0 = Sunday, name};
  location {uuid, name, qualified_name}; deeper layers nest under "group".
- Time groups take "any positive integer" of minutes or hours. The data has
  15-minute intervals; groups are laid from the store day's midnight, `value`
  minutes (hours) each, and an interval counts wholly in the group its start falls
  in, never split: with 7-minute groups the 10:00-10:15 interval's counts all go
  to the 09:55-10:02 group (10:00 = 85 x 7 minutes), and the 10:02-10:09 group,
  where no interval starts, is absent, as closed hours are. A time group ends at
  most at "+24:00"; a date group wider than the query is one group from its first
  to its last day.
- total_occupancy of a group is the occupancy at the end of its last interval
  (in minus out since opening plus adjustments, clamped at 0), summed over stores.
- Datamine names: now, today, yesterday, tomorrow, this_week, this_month,
  this_year. The same group twice in group_bys is refused (400). A region counts
  as several stores for the 2-year / 5-year range limits. An unknown metric fails
  alone (ok: false, "error"); an unknown or hidden location fails every metric; the
  top-level "ok" is false when any metric failed.
- Guards, not API limits (the reference states none; they bound one request's
  work and are the only unstated limits on by default): a body over 4 MB is a
  413; a datamine or store hours query over 250,000 store-days is a 400 (any range
  from 1900 to 2200 fits for a few stores); dates outside 1900-2200 are a 400; a
  relative `base` nested more than 8 deep is a 400.
- v1/storehours' start_date and end_date are store days: their date part is read
  as written, whatever the "Z" or offset (the reference's example sends midnight
  "Z" for several stores and answers those very days, each store's own), so the
  client keeps sending "yyyy-mm-ddT00:00:00Z" there.
- Store hours list closed days with null open/close; a uuid that is not a store is
  a 400. Predicted traffic days "must
  be in the future": first_day must come after the store-local today (today itself
  is refused, 400), last_day within 31 days of it; at most 7 days per query.
  "Future days" are the store's local days, whatever UTC's date: at 23:30 UTC
  (16:30 in Los Angeles) a Los Angeles store's tomorrow is still the next local
  day. Prediction times are store-local wall times with the meaningless "Z" of
  the reference's example (09:00 opening reads "…T09:00:00Z"), as in store hours.
- v2/location returns video channels as nodes of type "video" under their store;
  an unfiltered query lists them too (filter with node_types). Its documented
  400 "too many result nodes (N), please refine your query" comes when an answer
  would hold more than 10,000 nodes (`ctx.location_node_limit`, which tests may
  lower): the `--big` chain's 10,000 location nodes still come in one answer,
  with its video nodes they do not.
- v1/location, which the reference only names ("supports pagination"), is modelled
  on the other v1 paged methods: `GET /v1/location`, no body, no filters; the
  answer is {"locations": [...]} with every location node (no video, traffic or
  POS nodes) in v2/location's node shape, parents before children, stores with all
  seven extra fields. Pages: X-Page-Length (default and maximum 100), X-Page-Start
  an integer offset; 206 with X-Page-Next (the next offset) while more remain,
  200 on the last page; an offset past the end is an empty last page; a bad
  header is a 400. It counts as a location request for the concurrency limit (2).
- Location queries: several `where` clauses on one key narrow each other (an
  "and"); root_uuids answer one node list per root; an unknown root is a 400.
  Create answers 200 with the node. The store bandwidth field, whose name the text
  leaves out, is `bandwidth_limit` (0 clears it). An empty update is a 400, the
  organization node cannot be changed, an occupancy_limit is at least 1, names
  are trimmed and of any length.
- Predicted traffic reports refusals in its own shape ({"ok": false, "error",
  "error_detail", "predictions": []}); an unknown store is a 404 there and in
  occupancy adjust. An adjust answers {"ok", "store_uuid", "adjustment_count",
  "adjustment_time" (store-local ISO 8601)}; a time without an offset is
  store-local.
- Every refusal is JSON {"error", "error_detail"}; bad credentials are a 401 with
  `WWW-Authenticate: Basic`; unknown paths a 404, wrong methods a 405. Methods the
  simulator does not implement (POS, users, profiles, zone transitions, FPA zones,
  file upload status) are unknown paths. Over a concurrency limit is a 429 with
  `Retry-After: 1`; the camera limit applies to v1/inventory/cameras only (the
  text names cameras alone), the location limit to v1 and v2 location requests.
- Inventory pages carry the next item's key (device id, channel uuid, appliance
  id) in `next_page`, "end" when done, always with a 200; an unknown X-Page-Start
  is a 400.
- HLS: a token opens the channels of the stores at or below its location (a
  sublocation's token, its store's), checked on every playlist and segment (403
  otherwise). Segments last 2 s, a live playlist lists 5, and the last 300 (ten
  minutes) can still be fetched.
- Unknown fields in the bodies of location query/create/update, occupancy adjust and
  health alerts are refused (400) rather than ignored: they change state or filter
  results, so a misspelt field should not pass silently.
- The downloads endpoint honours byte ranges (206) so downloads can resume.
- Video exports: the reference states no longest interval, no resolution range and
  no cap on exports in progress, so by default the simulator enforces none. Its own
  limits (at most 60 minutes, resolutions within 160x120-1920x1080, 32 exports in
  progress before a 429, and a resolution only with several channels) apply only
  when asked for: `start_simulator(export_limits=True)`, `ctx.export_limits = True`
  on a running simulator, or the CLI's `--export-limits`. Without them any
  resolution of positive WIDTHxHEIGHT is taken and the MP4 is rendered with each
  side clamped into that range (even numbers); a resolution given with one channel
  is ignored (the channel keeps its own shape, 640 px wide). An export that ends in
  the future is refused (400); one starting before the channel's retention (30
  days, or its own maximum) or on a channel that does not record fails (424).
  Export ids are time-based UUIDs; the file is served at
  /v1/video/export/file/<id>.mp4 behind basic auth, with byte ranges; the 202
  body carries a progress; DELETE answers 200 {"ok": true}, an unknown, deleted or
  expired export a 404.
  A ready export answers the status query 302 with the file's location (the
  reference's list of statuses); the reference's example answers 201 with a
  location instead, which the simulator does with `ctx.export_ready_status = 201`
  (CLI `--export-ready-status 201`), the location then being the file's.
- Malformed input of any kind is a 400 in the reference's error shape
  ({"error": "bad_request", "error_detail": ...}), never a 5xx: JSON that does not
  parse, is nested too deeply for the parser (`[[[[...` thousands deep), is not
  valid Unicode (bytes that are not UTF-8, lone surrogates, escaped or not), or is
  not an object at the top. Integer fields (adjustment_count, occupancy_limit,
  bandwidth_limit) are 32-bit signed integers: a value outside is refused (400),
  and so is an integer too long to read (over 4,300 digits).
- v1/healthalerts pages with integer offsets by default (X-Page-Next "20" after a
  first page of 20), the reference's default; "some methods" answer the next item's
  UUID instead, and the simulator does too once switched at run time:
  `running.set_alert_cursor("uuid")` (or `ctx.alert_cursor = "uuid"`, or the CLI's
  `--alert-cursor uuid`). An X-Page-Start that is not a non-negative integer (or,
  in UUID mode, not a listed alert's UUID) is refused (400); an offset past the end
  is an empty last page (200).
- Random faults (`start_simulator(faults=SPEC)`, `running.faults.set_random(SPEC)`,
  the CLI's `--faults SPEC`, the app's and kiosk's `--demo-faults SPEC`) apply to
  API calls only, never to HLS playlists or segments: libvlc does not retry a
  failed fetch, so one fault would end a stream for good and test nothing of
  StoreOps' own. They hit requests that passed basic auth (a 401 stays a 401),
  a scripted fault that matches wins over them, and added latency is waited
  before the concurrency limits (a slow network, not a busy server). A 5xx is a
  500, 502 or 503 in the API's error shape; a 429 carries `Retry-After: 1`; a
  stall closes the connection after half of the promised Content-Length; a drip
  sends 64-byte pieces 0.1 s apart for at most 1 s, then the rest. Draws come from
  the simulator's seed, so requests made one after another meet the same faults
  on every run.
- `world.requests` counts requests per exact path, except HLS segments: each has
  its own path (about 43,000 a day per stream), so a channel's segments count
  together under `/v1/hls/<channel>/segments`.
"""
