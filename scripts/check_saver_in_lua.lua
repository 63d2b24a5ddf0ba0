-- Run by scripts/check_saver_in_lua.py: load the cases (modules as pygraphnn's save_t7
-- wrote them), run each in Lua and compare with the values recorded from Lua originally.
require 'nn'
require 'nngraph'
torch.setnumthreads(1)
local cases = torch.load(arg[1])

local function maxdiff(a, b)
   if torch.isTensor(a) and torch.isTensor(b) then
      if a:nElement() ~= b:nElement() then return math.huge end
      if a:nElement() == 0 then return 0 end
      return (a:double() - b:double()):abs():max()
   elseif type(a) == 'table' and type(b) == 'table' then
      local d = 0
      for k, v in pairs(b) do d = math.max(d, maxdiff(a[k], v)) end
      return d
   elseif type(a) == 'number' and type(b) == 'number' then
      return math.abs(a - b)
   end
   return math.huge
end

local bad = 0
for i, c in ipairs(cases) do
   local ok, err = pcall(function()
      local m = c.module
      local d_out, d_gi, d_gp = 0, 0, 0
      if c.kind == 'criterion' then
         d_out = maxdiff(m:forward(c.input, c.target), c.output)
         d_gi = maxdiff(m:backward(c.input, c.target), c.gradInput)
      else
         local p, gp = m:getParameters()
         m:zeroGradParameters()
         d_out = maxdiff(m:forward(c.input), c.output)
         d_gi = maxdiff(m:backward(c.input, c.gradOutput), c.gradInput)
         if c.params then d_gp = math.max(maxdiff(p, c.params), maxdiff(gp, c.gradParams)) end
      end
      local worst = math.max(d_out, d_gi, d_gp)
      print(string.format('%-3d %-70s output %.1e gradInput %.1e params %.1e %s', i, c.ctor, d_out, d_gi, d_gp,
                          worst <= 1e-10 and 'ok' or 'MISMATCH'))
      if worst > 1e-10 then bad = bad + 1 end
   end)
   if not ok then
      bad = bad + 1
      print(string.format('%-3d %-70s ERROR %s', i, c.ctor, tostring(err)))
   end
end
print(string.format('%d cases, %d bad', #cases, bad))
os.exit(bad == 0 and 0 or 1)
