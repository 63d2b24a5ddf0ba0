local Counter = {}
Counter.__index = Counter

function Counter.new()
  local self = setmetatable({}, Counter)
  self.counts = {}
  self.order = {}
  return self
end

function Counter:add(word)
  if word == nil then error('no word') end
  if not self.counts[word] then
    self.counts[word] = 0
    table.insert(self.order, word)
  end
  self.counts[word] = self.counts[word] + 1
end

function Counter:top(n)
  local sorted = {}
  for i, w in ipairs(self.order) do sorted[i] = w end
  table.sort(sorted, function(a, b)
    if self.counts[a] ~= self.counts[b] then return self.counts[a] > self.counts[b] end
    return a < b
  end)
  local out = {}
  for i = 1, math.min(n, #sorted) do out[i] = sorted[i] end
  return out
end

return Counter
