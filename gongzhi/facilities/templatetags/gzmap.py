"""`{% gz_map_config %}`: the map layer's configuration for `facilities/map.js` (the Tianditu key
the operator set, and where the offline vector layer is read), as a JSON block any page may
include — the demand form's map uses the same layer as the service circle's."""

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.html import json_script

register = template.Library()


@register.simple_tag
def gz_map_config():
    return json_script(
        {"tianditu": getattr(settings, "TIANDITU_KEY", ""), "layer": reverse("facilities:layer")},
        "gz-map-config",
    )
