"""The client's IP address, its truncation, geolocation and location statistics.

``truncate_ip`` is the one function through which an address leaves a request without the
visitor's ``location`` consent.
"""

from .geo import EmbeddedGeolocator, Geolocator, Location, MaxMindGeolocator
from .ip import client_ip, truncate_ip
from .stats import (
    LocationStatistics,
    SQLiteStatisticsStore,
    StatisticsRow,
    StatisticsStore,
    read_statistics,
)

__all__ = [
    "EmbeddedGeolocator",
    "Geolocator",
    "Location",
    "LocationStatistics",
    "MaxMindGeolocator",
    "SQLiteStatisticsStore",
    "StatisticsRow",
    "StatisticsStore",
    "client_ip",
    "read_statistics",
    "truncate_ip",
]
