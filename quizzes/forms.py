from wagtail.admin.forms import WagtailAdminModelForm


class QuestionForm(WagtailAdminModelForm):
    """Validates a question with its inline choices, pairs and answers as submitted.

    The inline formsets are put on the (unsaved) question in memory before the model's
    `clean()` runs, so the per-kind rules see what the editor typed, not the stored rows.
    """

    def _post_clean(self):
        for formset in self.formsets.values():
            if formset.is_valid():
                formset.instance = self.instance  # as ClusterForm.save does
                formset.save(commit=False)
        super()._post_clean()

    def save(self, commit=True):
        instance = super().save(commit=False)
        instance.complete_children()  # formset saving re-set the children: key them again
        if commit:
            instance.save()
            self.save_m2m()
        return instance
