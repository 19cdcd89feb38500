-- Shared by the service benchmarks: each request picks a random line of the targets file the bench wrote.
-- A line is tab-separated: director id, bearer token, and (for search) the one-typo query, URL-encoded.
-- The scenario is chosen with the BENCH_SCENARIO environment variable; the file with BENCH_TARGETS.

local scenario = os.getenv("BENCH_SCENARIO")
local path = os.getenv("BENCH_TARGETS")
local lines = {}

local function split(line)
  local out = {}
  for field in string.gmatch(line, "[^\t]+") do
    out[#out + 1] = field
  end
  return out
end

for line in io.lines(path) do
  lines[#lines + 1] = split(line)
end

local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

function init(args)
  math.randomseed(os.time() + (seed or 0) * 7919)
end

local purpose = "benchmark"

request = function()
  local t = lines[math.random(#lines)]
  local id, token = t[1], t[2]
  local headers = { ["Authorization"] = "Bearer " .. token, ["X-Purpose"] = purpose }
  if scenario == "health" then
    return wrk.format("GET", "/health/live")
  elseif scenario == "read" then
    return wrk.format("GET", "/v1/directors/" .. id, headers)
  elseif scenario == "summary" then
    return wrk.format("GET", "/v1/directors/" .. id .. "/summary", headers)
  elseif scenario == "check" then
    headers["Content-Type"] = "application/json"
    local body = '{"director_id":"' .. id .. '","purpose":"shortlisting","vacancy":{"board_role":"chair"}}'
    return wrk.format("POST", "/v1/candidate-checks", headers, body)
  elseif scenario == "search" then
    return wrk.format("GET", "/v1/directors?limit=20&q=" .. t[3], headers)
  elseif scenario == "employment" then
    headers["Content-Type"] = "application/json"
    local body = '{"kind":"role","employer_name":"Benchmark Consulting Ltd","role_title":"Interim adviser",'
      .. '"start_date":"1990-01-01","end_date":"1990-06-30"}'
    return wrk.format("POST", "/v1/directors/" .. id .. "/employment", headers, body)
  end
  error("unknown BENCH_SCENARIO " .. tostring(scenario))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,'
      .. '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
