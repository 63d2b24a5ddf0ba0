require 'nngraph'

-- layer sizes, first is the input
local sizes = {784, 256, 64, 10}

local function mlp(sizes, colors)
  local x = nn.Identity()():annotate{name = 'input'}
  local h = x
  for i = 2, #sizes do
    h = nn.Linear(sizes[i - 1], sizes[i])(h):annotate{
      name = 'fc' .. (i - 1), description = 'layer ' .. i,
      graphAttributes = {color = colors[i - 1] or 'black'}}
    if i < #sizes then
      h = nn.ReLU()(h)
    end
  end
  local out = nn.LogSoftMax()(h)
  nngraph.annotateNodes()
  return nn.gModule({x}, {out})
end

model = mlp(sizes, {'red', 'green'})
