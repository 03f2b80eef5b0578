"""The client's IP address, its truncation, geolocation and location statistics.

``truncate_ip`` is the one function through which an address leaves a request without the
visitor's ``location`` consent.
"""

from .geo import Geolocator, Location
from .ip import client_ip, truncate_ip

__all__ = ["Geolocator", "Location", "client_ip", "truncate_ip"]
