-- Run by tests/editor_neovim.rs: Neovim's built-in LSP client against
-- `memmath server`. Opens MEMMATH_SPEC, waits for diagnostics, renames the
-- misspelled key through the buffer, waits for the diagnostics to clear,
-- hovers on line MEMMATH_HOVER_LINE, and writes what it saw to MEMMATH_OUT.
-- Works with Neovim 0.7 (Debian 12) and later.
local spec = os.getenv("MEMMATH_SPEC")
local out = os.getenv("MEMMATH_OUT")
local hover_line = tonumber(os.getenv("MEMMATH_HOVER_LINE"))
local lines = {}
local function say(s) table.insert(lines, s) end

vim.cmd("edit " .. vim.fn.fnameescape(spec))
vim.bo.filetype = "yaml"
local config = {
  name = "memmath",
  cmd = { os.getenv("MEMMATH_BIN"), "server" },
  root_dir = vim.fn.fnamemodify(spec, ":h"),
}
if vim.lsp.start then
  vim.lsp.start(config)
else
  local id = vim.lsp.start_client(config)
  vim.lsp.buf_attach_client(0, id)
end

local function code_of(d)
  if d.code then return d.code end
  if d.user_data and d.user_data.lsp then return d.user_data.lsp.code end
  return "?"
end

local got = vim.wait(30000, function() return #vim.diagnostic.get(0) > 0 end, 20)
say("diagnostics-arrived " .. tostring(got))
for _, d in ipairs(vim.diagnostic.get(0)) do
  say(string.format("diag %d:%d-%d:%d %s severity=%d %s", d.lnum, d.col, d.end_lnum, d.end_col,
    code_of(d), d.severity, (d.message:gsub("\n", " "))))
end

-- Fix the key the way a user would: edit the buffer (an incremental change).
local fix_line = tonumber(os.getenv("MEMMATH_FIX_LINE"))
vim.api.nvim_buf_set_text(0, fix_line, 2, fix_line, 15, { "max_model_len" })
local cleared = vim.wait(30000, function() return #vim.diagnostic.get(0) == 0 end, 20)
say("cleared " .. tostring(cleared) .. " " .. #vim.diagnostic.get(0))

local params = {
  textDocument = { uri = vim.uri_from_bufnr(0) },
  position = { line = hover_line, character = 4 },
}
local res = vim.lsp.buf_request_sync(0, "textDocument/hover", params, 20000)
for _, r in pairs(res or {}) do
  if r.result and r.result.contents then
    say("hover " .. (r.result.contents.value:gsub("\n", " ")))
  end
  if r.err then say("hover-error " .. vim.inspect(r.err)) end
end

vim.fn.writefile(lines, out)
vim.cmd("qa!")
