-- wrk script: POSTs the GraphQL request in the file named by BENCH_BODY (JSON) to /graphql.
-- "__KEY__" in the body is replaced by a value unique to each request (idempotency keys for writes).
-- Counts responses that are not 200 or carry GraphQL errors, and prints one summary line.
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_id", counter)
  table.insert(threads, thread)
end

function init(args)
  errors = 0
  responses = 0
  first_error = ""
  sequence = 0
  local f = assert(io.open(os.getenv("BENCH_BODY"), "r"))
  template = f:read("*a")
  f:close()
  templated = string.find(template, "__KEY__", 1, true) ~= nil
  headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }
  local token = os.getenv("BENCH_TOKEN")
  if token and token ~= "" then headers["Authorization"] = "Bearer " .. token end
  run_id = os.getenv("BENCH_RUN") or "run"
end

function request()
  local body = template
  if templated then
    sequence = sequence + 1
    body = string.gsub(template, "__KEY__", run_id .. "-" .. thread_id .. "-" .. sequence)
  end
  return wrk.format("POST", "/graphql", headers, body)
end

function response(status, hdrs, body)
  responses = responses + 1
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    errors = errors + 1
    if first_error == "" then first_error = string.sub(body, 1, 300) end
  end
end

function done(summary, latency, requests)
  local errs, resps, sample = 0, 0, ""
  for _, t in ipairs(threads) do
    errs = errs + t:get("errors")
    resps = resps + t:get("responses")
    local fe = t:get("first_error")
    if sample == "" and fe ~= nil then sample = fe end
  end
  io.write(string.format("BENCH requests=%d errors=%d socket_errors=%d rps=%.1f p50_ms=%.2f p99_ms=%.2f\n",
    resps, errs, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000))
  if sample ~= "" then io.write("BENCH sample_error=" .. sample .. "\n") end
end
