"""Fakes of external services for the tests: real servers on loopback, scripted per test."""
