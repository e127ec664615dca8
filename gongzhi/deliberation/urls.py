from django.urls import path

from . import council_views, discussion_views, meeting_views, paper_views, views

app_name = "deliberation"
urlpatterns = [
    path("", views.council_list, name="councils"),
    path("mine/", views.mine, name="mine"),
    path("622/", views.figure_622, name="figure_622"),
    path("council/new/", council_views.council_new, name="council_new"),
    path("council/<int:pk>/", views.council_detail, name="council"),
    path("council/<int:pk>/edit/", council_views.council_edit, name="council_edit"),
    path("council/<int:pk>/members/", council_views.council_members, name="council_members"),
    path("council/<int:pk>/members/people/", council_views.member_people, name="member_people"),
    path("member/<int:pk>/", council_views.member_edit, name="member_edit"),
    path("council/<int:pk>/propose/", views.topic_new, name="topic_new"),
    path("council/<int:pk>/meeting/new/", meeting_views.meeting_new, name="meeting_new"),
    path("council/<int:pk>/poll/new/", views.poll_new, name="poll_new"),
    path("from-demands/", views.topic_from_demands, name="topic_from_demands"),
    path("topic/<int:pk>/", views.topic_detail, name="topic"),
    path("topic/<int:pk>/discussion/<slug:step>/", discussion_views.discussion_act, name="discussion_act"),
    path("comment/<int:pk>/<slug:step>/", discussion_views.comment_act, name="comment_act"),
    path("moderation/", discussion_views.moderation_queue, name="moderation"),
    path("topic/<int:pk>/<slug:step>/", views.topic_act, name="topic_act"),
    path("meeting/<int:pk>/", meeting_views.meeting_detail, name="meeting"),
    path("meeting/<int:pk>/door/", meeting_views.meeting_door, name="meeting_door"),
    path("meeting/<int:pk>/<slug:step>/", meeting_views.meeting_act, name="meeting_act"),
    path("signin/", meeting_views.signin, name="signin"),
    path("invitation/<int:pk>/ack/", meeting_views.invitation_ack, name="invitation_ack"),
    path("poll/<int:pk>/", views.poll_detail, name="poll"),
    path("poll/<int:pk>/paper/", paper_views.poll_paper, name="poll_paper"),
]
