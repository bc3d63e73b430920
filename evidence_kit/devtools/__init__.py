"""Tools for development, tests and demos (a local RFC 3161 TSA); not used in casework."""
