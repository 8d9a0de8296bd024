-- The requests of one page, for wrk (https://github.com/wg/wrk, 4.x, LuaJIT). bench/run.py
-- writes the page's requests to a data file and runs
--
--   wrk -t T -c C -d D -s bench/wrk_requests.lua URL -- <data file> <cycle|single> <T> [<S>]
--
-- The data file is a sequence of length-prefixed fields ("<byte length>\n<bytes>"). Each
-- request is: method, path, number of headers, then name and value of each header, then
-- "1" and the body, or "0" and an empty field for no body. The first request is the filler
-- (see request()); the others are the page's.
--
-- cycle:  every thread goes round all the page's requests, starting at its own offset
--         (thread i at i * N / T), moved on by S (default 0): bench/run.py passes as S how
--         far the page's earlier runs went (its warm-up's, an earlier repeat's), so a run
--         does not begin with requests those sent (a search answered from the cache).
-- single: each request is sent at most once (single-use requests, e.g. quiz submissions):
--         thread i sends requests i, i+T, i+2T, ... When its share runs out it stops and
--         prints "BENCHSTOP <thread id>" on stderr; bench/run.py then interrupts wrk (SIGINT),
--         which ends the run for every thread and makes wrk's duration the real one.
--
-- done() prints one line, "BENCHJSON {...}", that bench/run.py parses.

local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

local function read_fields(path)
  local file = assert(io.open(path, "rb"))
  local data = file:read("*a")
  file:close()
  local fields, at = {}, 1
  while at <= #data do
    local newline = data:find("\n", at, true)
    local length = tonumber(data:sub(at, newline - 1))
    fields[#fields + 1] = data:sub(newline + 1, newline + length)
    at = newline + length + 1
  end
  return fields
end

local function read_requests(path)
  local fields, at, requests = read_fields(path), 1, {}
  local function take()
    at = at + 1
    return fields[at - 1]
  end
  while at <= #fields do
    local method, target = take(), take()
    local headers = {}
    for _ = 1, tonumber(take()) do
      local name = take()
      headers[name] = take()
    end
    local has_body, body = take(), take()
    requests[#requests + 1] = {method, target, headers, has_body == "1" and body or nil}
  end
  return requests
end

function init(args)
  local requests = read_requests(args[1])
  single_use = args[2] == "single"
  local nthreads = tonumber(args[3])
  local function format(r)
    return wrk.format(r[1], r[2], r[3], r[4])
  end
  filler = format(table.remove(requests, 1))
  mine = {}
  if single_use then
    for k = id + 1, #requests, nthreads do
      mine[#mine + 1] = format(requests[k])
    end
    position = 0
  else
    for k = 1, #requests do
      mine[k] = format(requests[k])
    end
    local start = tonumber(args[4] or "0") or 0
    position = math.floor(id * #requests / nthreads + start) % #requests
  end
  pool, sent, exhausted = #mine, 0, false
  s1xx, s2xx, s3xx, s4xx, s5xx = 0, 0, 0, 0, 0
end

function request()
  if single_use and position >= #mine then
    if not exhausted then
      exhausted = true
      io.stderr:write("BENCHSTOP " .. id .. "\n")
      io.stderr:flush()
      wrk.thread:stop()
    end
    -- wrk must send something: the thread stops at the end of this event-loop pass, so
    -- the filler (the floor) is written but its response is never read nor counted.
    return filler
  end
  position = position % #mine + 1
  sent = sent + 1
  return mine[position]
end

function response(status, headers, body)
  if status < 200 then
    s1xx = s1xx + 1
  elseif status < 300 then
    s2xx = s2xx + 1
  elseif status < 400 then
    s3xx = s3xx + 1
  elseif status < 500 then
    s4xx = s4xx + 1
  else
    s5xx = s5xx + 1
  end
end

local function n(value)
  return string.format("%d", value or 0)
end

local function ms(us)
  return string.format("%.3f", (us or 0) / 1000)
end

function done(summary, latency, requests)
  local per_thread = {}
  local totals = {s1xx = 0, s2xx = 0, s3xx = 0, s4xx = 0, s5xx = 0}
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + (thread:get(name) or 0)
    end
    per_thread[#per_thread + 1] = "{\"id\":" .. n(thread:get("id"))
      .. ",\"pool\":" .. n(thread:get("pool"))
      .. ",\"sent\":" .. n(thread:get("sent"))
      .. ",\"exhausted\":" .. tostring(thread:get("exhausted") == true) .. "}"
  end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write("BENCHJSON {"
    .. "\"requests\":" .. n(summary.requests)
    .. ",\"duration_us\":" .. n(summary.duration)
    .. ",\"bytes\":" .. n(summary.bytes)
    .. ",\"requests_per_s\":" .. string.format("%.3f", seconds > 0 and summary.requests / seconds or 0)
    .. ",\"latency_ms\":{\"p50\":" .. ms(latency:percentile(50))
    .. ",\"p95\":" .. ms(latency:percentile(95))
    .. ",\"p99\":" .. ms(latency:percentile(99))
    .. ",\"mean\":" .. ms(latency.mean)
    .. ",\"max\":" .. ms(latency.max) .. "}"
    .. ",\"errors\":{\"connect\":" .. n(e.connect) .. ",\"read\":" .. n(e.read)
    .. ",\"write\":" .. n(e.write) .. ",\"timeout\":" .. n(e.timeout)
    .. ",\"status\":" .. n(e.status) .. "}"
    .. ",\"status_classes\":{\"1xx\":" .. n(totals.s1xx) .. ",\"2xx\":" .. n(totals.s2xx)
    .. ",\"3xx\":" .. n(totals.s3xx) .. ",\"4xx\":" .. n(totals.s4xx)
    .. ",\"5xx\":" .. n(totals.s5xx) .. "}"
    .. ",\"threads\":[" .. table.concat(per_thread, ",") .. "]}\n")
  io.stdout:flush()
end
