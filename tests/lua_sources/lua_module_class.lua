-- A module written in Lua (torch.class with an nn parent, like char-rnn's OneHot), used in a graph.
require 'nngraph'
local DoublerClass, parent = torch.class('Doubler', 'nn.Module')
function DoublerClass:__init(k)
  parent.__init(self)
  self.k = k
end
function DoublerClass:updateOutput(input)
  self.output = input * self.k
  return self.output
end
function DoublerClass:describe() return 'times ' .. self.k end

local x = nn.Identity()()
local y = nn.Tanh()(Doubler(3)(x))
g = nn.gModule({x}, {y})
d = Doubler(2)
print(d:describe(), torch.type(d))
