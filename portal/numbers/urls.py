from django.urls import path

from portal.numbers import views

app_name = "numbers"
urlpatterns = [
    path("", views.number_list, name="list"),
    path("add/", views.number_add, name="add"),
    path("add/results/<int:job_id>/", views.number_add_result, name="add_result"),
    path("allocate/", views.number_allocate, name="allocate"),
    path("withdraw/", views.number_withdraw, name="withdraw"),
    path("tag/", views.number_tag, name="tag"),
    path("untag/", views.number_untag, name="untag"),
    path("reserve/", views.number_reserve, name="reserve"),
    path("unreserve/", views.number_unreserve, name="unreserve"),
]
