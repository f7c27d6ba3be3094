"""The data contract (pyarrow schemas) and crash-safe Parquet I/O for newsflow datasets."""
