"""What watches an episode beside its run directory: OpenTelemetry traces (`telemetry=`) and rerun
recordings (`record.rerun=`), each an `EpisodeObserver` the run recorder hands every step."""
