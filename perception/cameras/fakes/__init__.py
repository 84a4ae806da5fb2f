"""In-package fakes of camera SDKs, written from their documentation (for tests and demos)."""
