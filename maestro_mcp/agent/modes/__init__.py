"""The agent's modes on the LLM path: editing and composing with an LLM that plans and writes its own tool
calls (``llm_editing``, ``llm_composing``), the per-instrument LLM sessions of Agent Teams (``llm_teams``),
and the answerer of REASONING (``reasoning``). ``agent.stream`` decides the mode and calls into these;
without an LLM none of them runs.
"""
