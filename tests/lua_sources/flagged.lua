require 'nngraph'
local z = string.dump(print)
local Foo = {}
local y = math.random()
local s = 'a,b'
for w in string.gmatch(s, '[^,]+') do print(w) end
local co = coroutine.create(function() end)
goto skip
::skip::
local x = nn.LSTM(3, 4)
print(opt.rnn_size)
