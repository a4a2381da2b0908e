-- wrk script of the LemonNPie load benchmark (bench/run.py writes the request files).
--
-- A request file has one request per line:  METHOD <TAB> PATH <TAB> BEARER-TOKEN-or-empty <TAB> JSON-BODY-or-empty
-- Usage: wrk -t T -c C -d D -s bench/lua/replay.lua URL -- FILE T
--
-- Thread k of T takes lines k, k+T, k+2T, ... and sends them in order, so requests never repeat
-- until a thread has sent its whole slice (cold-cache runs use a file with one distinct request per
-- line); after that it starts over and counts the repeats, which done() reports.
-- done() prints one line: BENCH_JSON {...} with the counts and latency percentiles in microseconds.

local next_id = 1
local threads = {}

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local file, nthreads = args[1], tonumber(args[2])
  requests = {}
  local index = 0
  for line in io.lines(file) do
    if index % nthreads == id - 1 then
      local method, path, token, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = { ["Accept"] = "application/json" }
      if token ~= "" then headers["Authorization"] = "Bearer " .. token end
      if body == "" then
        body = nil
      else
        headers["Content-Type"] = "application/json"
      end
      table.insert(requests, wrk.format(method, path, headers, body))
    end
    index = index + 1
  end
  if #requests == 0 then -- fewer lines than threads: every thread sends all of them
    for line in io.lines(file) do
      local method, path, token, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = { ["Accept"] = "application/json" }
      if token ~= "" then headers["Authorization"] = "Bearer " .. token end
      if body == "" then
        body = nil
      else
        headers["Content-Type"] = "application/json"
      end
      table.insert(requests, wrk.format(method, path, headers, body))
    end
  end
  position = 0
  repeats = 0
  wrapped = false
end

function request()
  position = position + 1
  if position > #requests then
    position = 1
    wrapped = true
  end
  if wrapped then repeats = repeats + 1 end
  return requests[position]
end

function done(summary, latency, requests)
  local total_repeats = 0
  for _, thread in ipairs(threads) do
    total_repeats = total_repeats + (thread:get("repeats") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"repeats":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"stdev":%.1f,"max":%d,"p50":%d,"p75":%d,"p90":%d,"p95":%d,"p99":%d}}\n',
    summary.requests, summary.duration, summary.bytes, total_repeats,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(95), latency:percentile(99)))
end
