"""Past one machine, on Dask: batch quoting of scenario files of any size (batch_quotes.py) on a
cluster that this package starts or joins (client.py). Every partition goes through the same
``estimator.batch.quote_frame`` as a single process, so the numbers cannot differ."""
