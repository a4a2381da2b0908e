"""Role-based permissions. Every check reads the user's current role from the database row
loaded by authentication, never from token claims."""

from rest_framework import permissions

from accounts.models import Role


def has_role(user, *roles: str) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role in roles)


class IsAdminRole(permissions.BasePermission):
    message = "Only administrators may do this."

    def has_permission(self, request, view):
        return has_role(request.user, Role.ADMIN)


class IsModeratorOrAdmin(permissions.BasePermission):
    message = "Only moderators and administrators may do this."

    def has_permission(self, request, view):
        return has_role(request.user, Role.MODERATOR, Role.ADMIN)
