"""`weavergen registry mcp`: a registry as MCP tools for LLM agents (lookups, live-check, check, fix)."""
