"""Navigation: the menu entries a user's roles allow, from the apps' manifests (web/navigation.py)."""

from .navigation import menu_groups_for, public_items, tabs_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {
            "nav_items": [],
            "tab_items": tabs_for(None, request.path),
            "public_items": public_items(request.path),
        }
    groups = menu_groups_for(user, request.path)
    return {
        "nav_groups": groups,
        "nav_items": [item for group in groups for item in group["items"]],
        "tab_items": tabs_for(user, request.path),
    }
