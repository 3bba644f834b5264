-- wrk script: 16 pipelined GET requests per write (override with PIPELINE=N in the environment).
init = function(args)
  local depth = tonumber(os.getenv("PIPELINE") or "16")
  local r = {}
  for i = 1, depth do
    r[i] = wrk.format(nil, "/")
  end
  req = table.concat(r)
end

request = function()
  return req
end
