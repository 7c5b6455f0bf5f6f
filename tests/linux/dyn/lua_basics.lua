-- Debian's lua5.4 (dynamically linked) under the Linux personality: tables,
-- closures, the string library, coroutines, metatables, errors. Output must
-- not depend on hash order (string hashes are seeded at random): keys are
-- sorted before printing.

-- tables
local t = {}
for i = 1, 100 do t[i] = i * i end
local sum = 0
for _, v in ipairs(t) do sum = sum + v end
print("squares", #t, sum)
table.insert(t, 1, 0)
table.remove(t)
print("insert/remove", #t, t[1], t[2], t[#t])
local names = {"delta", "alpha", "echo", "charlie", "bravo"}
table.sort(names)
print("sorted", table.concat(names, ","))
table.sort(names, function(a, b) return a > b end)
print("reversed", table.concat(names, ","))
local ages = {ann = 31, bob = 27, cid = 45, dee = 19}
local keys = {}
for k in pairs(ages) do keys[#keys + 1] = k end
table.sort(keys)
for _, k in ipairs(keys) do io.write(k, "=", ages[k], " ") end
print()
print("unpack", table.unpack({1, 2, 3}))
print("pack.n", table.pack(1, nil, 3).n)

-- closures
local function counter(step)
  local n = 0
  return function() n = n + step; return n end
end
local c1, c2 = counter(1), counter(10)
c1(); c1(); c2()
print("closures", c1(), c2())
local adders = {}
for i = 1, 5 do adders[i] = function(x) return x + i end end
print("captured", adders[1](100), adders[5](100))
local function memo(f)
  local cache = {}
  return function(n)
    local v = cache[n]
    if v == nil then v = f(n); cache[n] = v end
    return v
  end
end
local fib
fib = memo(function(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end)
print("fib", fib(80))

-- strings
local s = "The quick brown fox jumps over the lazy dog"
print("len/upper", #s, s:upper())
print("sub/find", s:sub(5, 9), s:find("fox"), s:find("o", 20, true))
print("gsub", s:gsub("%w+", function(w) return w:reverse() end))
local words = {}
for w in s:gmatch("%a+") do words[#words + 1] = w:lower() end
print("gmatch", #words, words[4])
print("format", string.format("%5d|%-6s|%8.3f|%x|%q", 42, "ab", math.pi, 255, "a\nb"))
print("rep/byte/char", ("ab"):rep(3, "-"), s:byte(1, 3), string.char(76, 117, 97))
print("match", ("key = value"):match("^(%w+)%s*=%s*(%w+)$"))
print("pack", string.unpack("<i4", string.pack("<i4", 123456)))
print("utf8", utf8.len("héllo"), utf8.char(72, 228, 8364))

-- coroutines
local gen = coroutine.wrap(function()
  for i = 1, 5 do coroutine.yield(i * i) end
  return "done"
end)
local out = {}
for _ = 1, 6 do out[#out + 1] = tostring(gen()) end
print("wrap", table.concat(out, " "))
local co = coroutine.create(function(a, b)
  local c = coroutine.yield(a + b)
  local d, e = coroutine.yield(c * 2)
  return d + e
end)
print("resume", coroutine.resume(co, 1, 2))
print("resume", coroutine.resume(co, 10))
print("resume", coroutine.resume(co, 3, 4))
print("status", coroutine.status(co), coroutine.resume(co))
local function producer()
  return coroutine.create(function()
    for _, w in ipairs({"one", "two", "three"}) do coroutine.yield(w) end
  end)
end
local p = producer()
while true do
  local ok, w = coroutine.resume(p)
  if not w then break end
  io.write(w, ";")
end
print()

-- metatables, errors, integers and floats
local V = {}
V.__index = V
V.__add = function(a, b) return setmetatable({x = a.x + b.x, y = a.y + b.y}, V) end
V.__tostring = function(v) return "(" .. v.x .. "," .. v.y .. ")" end
local v = setmetatable({x = 1, y = 2}, V) + setmetatable({x = 10, y = 20}, V)
print("meta", tostring(v))
local ok, e = pcall(function() error({code = 7}) end)
print("pcall", ok, type(e), e.code)
print("pcall2", select(2, pcall(function() error("boom", 0) end)))
print("int/float", 7 // 2, 7 / 2, 2^10, math.maxinteger, 1e300 * 1e10, math.type(3), math.type(3.0))
math.randomseed(42)
local r = {}
for i = 1, 5 do r[i] = math.random(1, 100) end
print("random", table.concat(r, " "))
local big = {}
for i = 1, 20000 do big[i] = tostring(i) end
print("big", #table.concat(big), collectgarbage("count") > 0)
os.exit(0)
