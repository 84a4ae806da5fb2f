"""Self-contained HTML reports: one per run directory (`report.html`), one per benchmark
(`<label>.html`). Every image, style and script is inline, so a report opens from disk in any
browser with no network."""
