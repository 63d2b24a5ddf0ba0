-- torch.CmdLine with positional arguments, in the style of char-rnn's sample.lua:
-- what it accepts, refuses and prints (recorded by record.py, replayed by tests/test_cmdline_lua.py).
local cmd = torch.CmdLine()
cmd:text()
cmd:text('Sample from a character-level language model')
cmd:text()
cmd:text('Options')
cmd:argument('-model', 'model checkpoint to use for sampling')
cmd:argument('out', 'where to write the text')
cmd:option('-seed', 123, 'random number generator\'s seed')
cmd:option('-temperature', 1, 'temperature of sampling')
cmd:option('-primetext', '', 'used as a prompt')
cmd:option('-verbose', false, 'print diagnostics')
cmd:option('-learning_rate_decay', 0.97, 'a long flag')
cmd:text()
local opt = cmd:parse(arg)

local keys = {}
for k in pairs(opt) do table.insert(keys, k) end
table.sort(keys)
for _, k in ipairs(keys) do print(k, type(opt[k]), opt[k]) end
