-- wrk script for bench/web_load.sh: 200 users, each request either a household search (a family or given
-- name typed without diacritics, as officers do) or a household page picked at random among the ids.
-- Reads SESSION (the cookie "ansinh_session=…"), MAX_ID and MODE (search | page | mix, default mix) from the
-- environment, so that search and the household page are measured apart and together.
local cookie = os.getenv("SESSION")
local max_id = tonumber(os.getenv("MAX_ID") or "1000000")
-- Family names (the start of the head's name), full names, and given names typed alone (a word inside
-- the name: the search's second pass).
local names = { "nguyen", "tran", "le", "pham", "hoang", "huynh", "phan", "vu", "vo", "dang", "bui", "do",
  "ho", "ngo", "duong", "ly", "nguyen van", "tran thi", "le van an", "pham thi lan", "hoang minh", "dang",
  "lan", "linh", "thi hoa", "tuan" }
local mode = os.getenv("MODE") or "mix"
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  math.randomseed(os.time() + id * 7919)
  wrk.headers["Cookie"] = cookie
end

function request()
  local search = (mode == "search") or (mode == "mix" and math.random() < 0.5)
  if search then
    local q = names[math.random(#names)]:gsub(" ", "+")
    return wrk.format("GET", "/households?q=" .. q)
  else
    return wrk.format("GET", "/households/" .. math.random(max_id))
  end
end

function done(summary, latency, requests)
  io.write(string.format(mode .. ": p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms  requests %d  errors(non-2xx, socket) %d/%d\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
