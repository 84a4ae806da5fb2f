"""The remote arm: an arm (and, for a simulated one, its world) served over a line-based wire
protocol (`stackbot-arm-server`), and the client that drives it like any arm."""
