"""Write–audit–publish: checked candidate marts become the marts BI tools read."""
