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
local kind, offset, threads, count = "search", 0, 1, 0
local TAGS = {"modern-slavery", "human-trafficking", "labour-exploitation", "child-exploitation",
              "supply-chains", "victim-support", "policing", "international"}
local DAY0 = 1388966400 -- 2014-01-06T00:00:00Z
local created = 0

function setup(thread)
  thread:set("tid", created)
  created = created + 1
end

function init(args)
  kind = args[1] or kind
  offset = tonumber(args[2] or "0")
  threads = tonumber(args[3] or "1")
end

local function day(d)
  return os.date("!%Y-%m-%d", DAY0 + d * 86400)
end

function request()
  local n = offset + count * threads + tid
  count = count + 1
  local path
  if kind == "search" then
    path = "/v1/search?q=slavery%20-zq" .. n
  elseif kind == "news-q" then
    path = "/v1/news?q=slavery%20-zq" .. n
  else
    local d = (n * 7919) % 3400
    local span = 8 + math.floor(n / 3400) % 120
    path = "/v1/news?limit=20&from=" .. day(d) .. "&to=" .. day(d + span)
    if kind == "range-tag" then
      path = path .. "&tag=" .. TAGS[n % 8 + 1]
    end
  end
  return wrk.format("GET", path)
end
