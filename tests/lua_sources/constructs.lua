-- Every construct the port translates, with results checked by the tests.
require 'nn'
require 'nngraph'

local M = {}

-- multiple assignment and swap
local a, b, c = 1, 2
a, b = b, a
results = {}
results.swap = {a, b, c == nil}

-- numeric for with a step, inclusive bounds, and counting down
local up, down = {}, {}
for i = 1, 10, 3 do table.insert(up, i) end
for i = 5, 1, -2 do up[#up + 1] = i end
for i = 3, 1, -1 do table.insert(down, 1, i) end
results.up = up
results.down = down

-- ipairs and pairs
local total = 0
for i, v in ipairs({10, 20, 30}) do total = total + i * v end
local keys = {}
local weights = {w1 = 1, w2 = 2}
for k, v in pairs(weights) do keys[#keys + 1] = k .. '=' .. v end
results.total = total
results.nkeys = #keys

-- while, repeat/until, break
local n, steps = 10, 0
while n ~= 1 do
  if n % 2 == 0 then n = n / 2 else n = 3 * n + 1 end
  steps = steps + 1
end
local k = 0
repeat
  k = k + 1
  if k > 100 then break end
until k * k >= 50
results.steps = steps
results.k = k

-- Lua truth: 0 and "" are true
local zero, empty = 0, ''
results.truth = {zero and 'yes' or 'no', empty and 'yes' or 'no', nil and 1 or 2, false or 'f'}
local maybe = nil
local default = maybe or 7
results.default = default

-- tables: arrays are 1-based, [0] keys kept, hashes keep their keys
local arr = {'a', 'b', 'c'}
local zero_based = {[0] = 'z', 'one', 'two'}
local mixed = {1, 2, x = 'x', [10] = 'ten'}
results.arr = arr[1] .. arr[#arr]
results.zero_based = zero_based[0] .. zero_based[1] .. zero_based[2]
results.mixed = mixed[2] .. mixed.x .. mixed[10]
table.insert(arr, 2, 'B')
results.inserted = table.concat(arr, ',')
results.removed = table.remove(arr)

-- strings
local name = string.format('%s_%03d', 'layer', 7)
results.name = name .. '/' .. ('x'):rep(3) .. '/' .. name:upper()
results.sub = ('hello'):sub(2, 4)

-- functions: several return values, varargs, closures
local function minmax(t)
  local lo, hi = math.huge, -math.huge
  for _, v in ipairs(t) do
    lo = math.min(lo, v)
    hi = math.max(hi, v)
  end
  return lo, hi
end
local lo, hi = minmax({3, 1, 4, 1, 5})
results.minmax = {lo, hi, math.floor(7 / 2)}

local function count(...)
  local args = {...}
  return #args
end
results.count = count(1, 2, 3)

local function counter()
  local value = 0
  return function()
    value = value + 1
    return value
  end
end
local tick = counter()
tick()
results.tick = tick()

function M.double(x) return 2 * x end
function M:scaled(x) return self.factor * x end
M.factor = 3
results.methods = {M.double(4), M:scaled(5)}

-- the graph: Sequential with :add, a gModule, chaining with -
local seq = nn.Sequential()
seq:add(nn.Linear(4, 3))
seq:add(nn.Tanh())
local x = nn.Identity()()
local h = seq(x)
local parts = {nn.ConcatTable():add(nn.Identity()):add(nn.Identity())(h):split(2)}
local y = {parts[1], parts[2]} - nn.CAddTable() - nn.MulConstant(0.5)
graph_module = nn.gModule({x}, {y})
if type(results) == 'table' and not (results.k == nil) then
  print('ok', #results.up)
end
