"""Running the dbt project on Apache Spark (the ``spark`` target; docs/spark.md)."""
