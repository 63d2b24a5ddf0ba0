require 'nngraph'

-- a two-layer MLP as one graph
h1 = nn.Linear(20, 10)()
h2 = nn.Linear(10, 1)(nn.Tanh()(nn.Linear(10, 10)(nn.Tanh()(h1))))
mlp = nn.gModule({h1}, {h2})

-- two inputs, two outputs, with the '-' operator
local in1 = - nn.Linear(20, 20)
local in2 = - nn.Linear(10, 10)
local hh1 = in1 - nn.Tanh() - nn.Linear(20, 1)
local hh2 = in2 - nn.Tanh() - nn.Linear(10, 1)
local madd = {hh1, hh2} - nn.CAddTable()
local oA = madd - nn.Sigmoid()
local oB = madd - nn.Tanh()
gmod = nn.gModule({in1, in2}, {oA, oB})

-- a table input split into its entries
local input = nn.Identity()()
local a, b = input:split(2)
local sum = nn.CAddTable()({nn.Linear(5, 3)(a), nn.Linear(5, 3)(b)})
split_mod = nn.gModule({input}, {sum})
