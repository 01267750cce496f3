"""Helpers shared by the tests: real servers, the gateway as a subprocess, MQTT publishing."""
