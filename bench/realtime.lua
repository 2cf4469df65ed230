-- bench/realtime.lua - wrk script for bench/realtime.sh: random known users (USERS in the
-- environment), 10% unknown users, 10% with three context items (ITEMS)
local users = tonumber(os.getenv("USERS") or "1000000")
local items = tonumber(os.getenv("ITEMS") or "50000")
local n = 0
init = function(args)
	math.randomseed(os.time() + (args[1] and #args[1] or 0) + math.floor(os.clock() * 1e6))
end
request = function()
	n = n + 1
	local r = math.random()
	local path
	if r < 0.8 then
		path = "/v1/recommendations?user=u" .. math.random(0, users - 1)
	elseif r < 0.9 then
		path = "/v1/recommendations?user=new" .. n
	else
		path = string.format("/v1/recommendations?user=u%d&items=i%d,i%d,i%d", math.random(0, users - 1),
			math.random(0, items - 1), math.random(0, items - 1), math.random(0, items - 1))
	end
	return wrk.format("GET", path)
end
