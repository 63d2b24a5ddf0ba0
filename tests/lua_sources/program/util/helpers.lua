-- global helpers, as char-rnn's util/misc.lua defines them
function split_words(text)
  local out = {}
  for w in text:gmatch('%S+') do out[#out + 1] = w end
  return out
end

function ratio(a, b)
  return a / b
end
