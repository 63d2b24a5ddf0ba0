-- A small program in the style of char-rnn's train.lua: flags, its own modules, a loop.
require 'util.helpers'
local Counter = require 'model.counter'

local cmd = torch.CmdLine()
cmd:text('Count words of a text, in chunks')
cmd:option('-chunk', 3, 'words per chunk')
cmd:option('-text', 'the cat and the dog and the bird', 'text to count')
cmd:option('-upper', false, 'print words in upper case')
local opt = cmd:parse(arg)

local words = split_words(opt.text)
print('words', #words, 'chunk', opt.chunk)
local counter = Counter.new()
for i = 1, #words, opt.chunk do
  local chunk = {}
  for j = i, math.min(i + opt.chunk - 1, #words) do
    table.insert(chunk, opt.upper and words[j]:upper() or words[j])
    counter:add(words[j])
  end
  print(string.format('chunk %d: %s', (i - 1) / opt.chunk + 1, table.concat(chunk, ' ')))
end
for _, w in ipairs(counter:top(2)) do
  print(w, counter.counts[w], ratio(counter.counts[w], #words))
end
local ok, err = pcall(function() counter:add(nil) end)
print('add nil:', ok, err)
