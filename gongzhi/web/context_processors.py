"""Navigation: the menu entries a user's roles allow. Apps register entries in web/navigation.py."""

from .navigation import menu_for, public_items, tabs_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {
            "nav_items": [],
            "tab_items": tabs_for(None, request.path),
            "public_items": public_items(request.path),
        }
    return {"nav_items": menu_for(user, request.path), "tab_items": tabs_for(user, request.path)}
