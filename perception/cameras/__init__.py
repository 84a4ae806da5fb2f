"""Camera sources that are not the simulator: recorded frames, OpenCV devices and streams,
Intel RealSense; and the calibration file that tells them where they are."""
