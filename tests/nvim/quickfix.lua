-- Headless Neovim (0.7+) session against `weavergen lsp`: open a registry file, wait for diagnostics,
-- apply the quick fix for the diagnostic code $CODE, wait for the re-check, and write what happened to
-- $OUT as JSON. Run: SERVER_CMD='["python","-m","weavergen.server"]' ROOT=... CODE=... OUT=...
--   nvim --headless -u NONE -i NONE -n -c "luafile quickfix.lua" <file>
local out = { nvim = tostring(vim.version().major) .. "." .. tostring(vim.version().minor) .. "." .. tostring(vim.version().patch) }

local function finish()
  local f = io.open(os.getenv("OUT"), "w")
  f:write(vim.fn.json_encode(out))
  f:close()
  vim.cmd("qa!")
end

local function snapshot(bufnr)
  local list = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(list, { lnum = d.lnum, col = d.col, end_col = d.end_col, severity = d.severity,
      code = d.code, message = d.message, source = d.source })
  end
  return list
end

local ok, err = pcall(function()
  local bufnr = vim.api.nvim_get_current_buf()
  vim.bo[bufnr].filetype = "yaml"
  local code = os.getenv("CODE")
  local id = vim.lsp.start_client({
    name = "weavergen",
    cmd = vim.fn.json_decode(os.getenv("SERVER_CMD")),
    root_dir = os.getenv("ROOT"),
    settings = { weavergen = { debounceMs = 10 } },
    init_options = { weavergen = { debounceMs = 10 } },
  })
  vim.lsp.buf_attach_client(bufnr, id)

  local function has_code()
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      if d.code == code then return d end
    end
    return nil
  end

  out.got_diagnostics = vim.wait(20000, function() return has_code() ~= nil end, 20)
  out.before = snapshot(bufnr)
  if not out.got_diagnostics then return end

  local target = has_code()
  local client = vim.lsp.get_client_by_id(id)
  local lsp_diags = vim.lsp.diagnostic.get_line_diagnostics(bufnr, target.lnum)
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = { start = { line = target.lnum, character = target.col },
              ["end"] = { line = target.end_lnum or target.lnum, character = target.end_col } },
    context = { diagnostics = lsp_diags },
  }
  local responses = vim.lsp.buf_request_sync(bufnr, "textDocument/codeAction", params, 10000) or {}
  local action = nil
  for _, resp in pairs(responses) do
    for _, a in ipairs(resp.result or {}) do
      for _, d in ipairs(a.diagnostics or {}) do
        if d.code == code and action == nil then action = a end
      end
    end
  end
  out.action = action and action.title or vim.NIL
  if action == nil then return end
  vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding or "utf-16")
  out.fixed = vim.wait(20000, function() return has_code() == nil end, 20)
  out.after = snapshot(bufnr)
  out.lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  vim.lsp.stop_client(id)
end)
if not ok then out.error = tostring(err) end
finish()
