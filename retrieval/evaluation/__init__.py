"""`backstory eval`, the naive baseline, SQuAD 2.0 runs and calibration."""
