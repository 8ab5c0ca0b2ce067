"""What the steps do to the bench, below the step definitions (not step modules).

A step module parses the engineer's words and calls an action from here; what
several steps share — logging in at a level, bringing a module to a state,
injecting a fault, a weighed pump delivery, reading an instrument — lives
here once, named for its subject::

    from mimedi_qual.steps.actions.operator import ensure_operator
    from mimedi_qual.steps.actions.modules import bring_to_state

    ensure_operator(campaign)
    bring_to_state(campaign, "EXPANSION", "IDLE")

By subject: ``operator`` (logins by level), ``setpoints``, ``readiness``,
``modules`` (state machines), ``faults`` (and the fault event), ``door``,
``power``, ``pumps``, ``load_cell``, ``readers`` and ``sampling``, ``batch``
(a whole recipe), ``qc_release``, ``equipment_register``; for access control
``alarm_limits``, ``audit``, ``accounts``, ``protected_actions`` and
``supervisor_settings``.

Actions reach the bench only through its protocols (``campaign.bench``) and
never import a step module, so the dependencies run one way: step modules →
actions → lab/qualification. A new step that needs one of these imports it;
a step never calls another step.
"""
