"""Alarm rules and the alarm lifecycle: pure logic over canonical events, with an injected clock."""
