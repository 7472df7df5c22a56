-- bench/uncached.lua: the wrk script of bench.py's uncached rounds. Every request is a URL
-- that no earlier request of the run used, so that no cache can answer it:
--
--   wrk ... -s bench/uncached.lua http://127.0.0.1:PORT -- KIND OFFSET THREADS
--
-- Request n (OFFSET + the thread's count * THREADS + its number: distinct across threads,
-- and across rounds since bench.py adds each round's requests to OFFSET) is, by KIND:
--   search     /v1/search?q=slavery -zq<n>   a new query text that matches and ranks the
--   news-q     /v1/news?q=slavery -zq<n>     rows of q=slavery (no document has zq<n>)
--   range      /v1/news?limit=20&from=D1&to=D2, D1 = 2014-01-06 + (n * 7919 mod 3400) days,
--              D2 = D1 + 8 + (n div 3400 mod 120) days: distinct pairs for n < 408,000,
--              spread over the dataset's ten years
--   range-tag  the same, and tag= one of the dataset's 8 tags
--
-- wrk and the server share the machine, so the script keeps its own cost per request small
-- (it is part of every uncached round's figure, as pgbench's client is part of its rate):
-- the dates are formatted once, in init, and each request is one string concatenation
-- (what wrk.format would make for a GET without headers or body: wrk adds the Host header
-- itself only in wrk.format, so it is written here).
local kind, offset, threads, count = "search", 0, 1, 0
local TAGS = {"modern-slavery", "human-trafficking", "labour-exploitation", "child-exploitation",
              "supply-chains", "victim-support", "policing", "international"}
local DAY0 = 1388966400 -- 2014-01-06T00:00:00Z
local DAYS = {}         -- DAYS[d] = the date d days after DAY0, for d from 0 to 3400 + 127
local HEAD = " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
local floor = math.floor
local created = 0

function setup(thread)
  thread:set("tid", created)
  created = created + 1
end

function init(args)
  kind = args[1] or kind
  offset = tonumber(args[2] or "0")
  threads = tonumber(args[3] or "1")
  for d = 0, 3400 + 127 do
    DAYS[d] = os.date("!%Y-%m-%d", DAY0 + d * 86400)
  end
  HEAD = " HTTP/1.1\r\nHost: " .. wrk.host .. ":" .. wrk.port .. "\r\n\r\n"
end

function request()
  local n = offset + count * threads + tid
  count = count + 1
  if kind == "search" then
    return "GET /v1/search?q=slavery%20-zq" .. n .. HEAD
  elseif kind == "news-q" then
    return "GET /v1/news?q=slavery%20-zq" .. n .. HEAD
  end
  local d = (n * 7919) % 3400
  local span = 8 + floor(n / 3400) % 120
  if kind == "range-tag" then
    return "GET /v1/news?limit=20&from=" .. DAYS[d] .. "&to=" .. DAYS[d + span] .. "&tag="
             .. TAGS[n % 8 + 1] .. HEAD
  end
  return "GET /v1/news?limit=20&from=" .. DAYS[d] .. "&to=" .. DAYS[d + span] .. HEAD
end
